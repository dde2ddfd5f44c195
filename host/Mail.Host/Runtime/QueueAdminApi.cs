using Mail.Host.Http;
using Mail.Host.Outbound;
using Mail.Host.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mail.Host.Runtime;

/// <summary>
/// The admin API's queue routes (<c>/api/admin/queue</c>): list the outbound queue, show one message, retry it now or
/// remove it. Admin role only. A message being delivered at that moment (its lease held) cannot be retried or removed.
/// </summary>
internal static class QueueAdminApi
{
    public const string Prefix = "/api/admin/queue";
    private const int MaxListed = 10_000;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Prefix).AddEndpointFilter(AdminAccess.RequireAdminAsync);
        api.MapGet("/", ListAsync);
        api.MapGet("/{id}", ShowAsync);
        api.MapPost("/{id}/retry", RetryAsync);
        api.MapDelete("/{id}", RemoveAsync);
    }

    private static async Task<IResult> ListAsync(MailQueue queue, CancellationToken cancellationToken)
        => await GuardAsync(async () => Results.Json((await queue.ListAsync(MaxListed, cancellationToken).ConfigureAwait(false)).Select(Report).ToList())).ConfigureAwait(false);

    private static async Task<IResult> ShowAsync(MailQueue queue, string id, CancellationToken cancellationToken)
        => await GuardAsync(async () => await queue.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } entry
            ? Results.Json(Report(entry))
            : NotQueued(id)).ConfigureAwait(false);

    private static async Task<IResult> RetryAsync(MailQueue queue, IMailStores stores, string id, CancellationToken cancellationToken)
        => await GuardAsync(() => WithLeaseAsync(stores.Lookup, id, cancellationToken, async () =>
        {
            if (await queue.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } entry)
            {
                return NotQueued(id);
            }

            var previous = entry.NextAttempt;
            entry.NextAttempt = DateTimeOffset.UtcNow;
            await queue.SaveAsync(entry, previous, cancellationToken).ConfigureAwait(false);
            queue.Wake();
            return Results.Json(Report(entry));
        })).ConfigureAwait(false);

    private static async Task<IResult> RemoveAsync(MailQueue queue, IMailStores stores, string id, CancellationToken cancellationToken)
        => await GuardAsync(() => WithLeaseAsync(stores.Lookup, id, cancellationToken, async () =>
            await queue.RemoveAsync(id, cancellationToken).ConfigureAwait(false) ? Results.NoContent() : NotQueued(id))).ConfigureAwait(false);

    private static async Task<IResult> WithLeaseAsync(ILookupStore lookup, string id, CancellationToken cancellationToken, Func<Task<IResult>> action)
    {
        if (MailQueue.ParseId(id) is null)
        {
            return NotQueued(id);
        }

        // A delivery attempt in progress holds the lease; wait a little for it to end.
        var lease = await lookup.TryAcquireLockAsync("outbound:" + id, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        for (var waited = 0; lease is null && waited < 100; waited++)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            lease = await lookup.TryAcquireLockAsync("outbound:" + id, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }

        if (lease is null)
        {
            return AdminAccess.Problem(StatusCodes.Status409Conflict, $"The message {id} is being delivered right now; try again in a moment.");
        }

        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            await lookup.ReleaseLockAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<IResult> GuardAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            return AdminAccess.Problem(StatusCodes.Status503ServiceUnavailable, $"A store is unavailable: {ex.Message}");
        }
    }

    private static IResult NotQueued(string id) => AdminAccess.Problem(StatusCodes.Status404NotFound, $"There is no message '{id}' in the queue.");

    private static QueueReport Report(QueueEntry entry) => new(
        entry.Id,
        entry.From,
        entry.Size,
        entry.ReceivedAt,
        entry.Attempts,
        entry.NextAttempt,
        entry.LastAttempt,
        entry.LastError,
        entry.AuthenticatedAs,
        entry.Client,
        entry.RequireTls,
        [.. entry.Recipients.Select(r => new QueueRecipientReport(r.Address, r.Status, r.StatusCode, r.Detail, r.RemoteMta, r.Notify))]);

    internal sealed record QueueReport(string Id, string From, long Size, DateTimeOffset ReceivedAt, int Attempts, DateTimeOffset NextAttempt, DateTimeOffset? LastAttempt, string? LastError, string? AuthenticatedAs, string Client, bool RequireTls, IReadOnlyList<QueueRecipientReport> Recipients);

    internal sealed record QueueRecipientReport(string Address, string Status, string? StatusCode, string? Detail, string? RemoteMta, string? Notify);
}

using Mail.Host.Directory;
using Mail.Host.Http;
using Mail.Host.Mail;
using Mail.Host.Manifest;
using Mail.Host.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Runtime;

/// <summary>
/// The admin API's mail routes, whatever the directory: inject a message for local delivery (as <c>sendmail</c> would),
/// look into an account's mailboxes and messages, and run maintenance now. Admin role only.
/// </summary>
internal static class MailAdminApi
{
    public const string Prefix = "/api/admin/mail";

    private const int EmailsPerRead = 256;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Prefix).AddEndpointFilter(AdminAccess.RequireAdminAsync);
        api.MapPost("/deliver", DeliverAsync);
        api.MapGet("/accounts/{principal}/mailboxes", MailboxesAsync);
        api.MapGet("/accounts/{principal}/messages", MessagesAsync);
        api.MapGet("/accounts/{principal}/emails/{emailId}/raw", RawAsync);
        api.MapPost("/maintenance", MaintenanceAsync);
    }

    /// <summary>
    /// <c>POST /api/admin/mail/deliver?to=ADDRESS&amp;to=…</c> with the raw message as the body: one outcome per
    /// address; 503 when nothing could be delivered because a store or the directory is down.
    /// </summary>
    private static async Task<IResult> DeliverAsync(HttpContext http, HostManifest manifest, CancellationToken cancellationToken)
    {
        var recipients = http.Request.Query["to"].OfType<string>().Select(a => a.Trim()).Where(a => a.Length > 0).ToList();
        if (recipients.Count == 0)
        {
            return AdminAccess.Problem(StatusCodes.Status400BadRequest, "Name at least one recipient: ?to=ADDRESS (repeat it for more).");
        }

        if (http.Request.ContentLength > manifest.Mail.MaxMessageSize)
        {
            return TooLarge(manifest);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = manifest.Mail.MaxMessageSize;
        }

        var delivery = http.RequestServices.GetRequiredService<IMailDelivery>();
        IReadOnlyList<RecipientDelivery> outcomes;
        try
        {
            outcomes = await delivery.DeliverAsync(http.Request.Body, recipients, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(manifest);
        }

        var report = outcomes.Select(o => new RecipientReport(
            o.Address,
            Name(o.Status),
            o.Detail,
            [.. o.Accounts.Where(a => a.Status == DeliveryStatus.Delivered).Select(a => new CopyReport(a.AccountId, a.EmailId, a.MailboxId, a.Uid))])).ToList();
        var status = outcomes.All(o => o.Status == RecipientStatus.TemporaryFailure) ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        return Results.Json(new DeliveryReport(report), statusCode: status);
    }

    private static async Task<IResult> MailboxesAsync(HttpContext http, string principal, CancellationToken cancellationToken)
        => await WithAccountAsync(http, principal, cancellationToken, async account =>
        {
            var mailboxes = await account.GetMailboxesAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(mailboxes.Select(m => new MailboxReport(
                m.Id, m.Name, m.Role.ToString().ToLowerInvariant(), m.IsSubscribed, m.UidValidity, m.UidNext, m.HighestModSeq, m.TotalMessages, m.UnseenMessages, m.Size)).ToList());
        }).ConfigureAwait(false);

    /// <summary><c>GET …/messages?mailbox=NAME</c> (INBOX when left out): every message in UID order with its headline fields.</summary>
    private static async Task<IResult> MessagesAsync(HttpContext http, string principal, string? mailbox, CancellationToken cancellationToken)
        => await WithAccountAsync(http, principal, cancellationToken, async account =>
        {
            var name = string.IsNullOrEmpty(mailbox) ? "INBOX" : mailbox;
            if (await account.FindMailboxAsync(name, cancellationToken).ConfigureAwait(false) is not { } found)
            {
                return AdminAccess.Problem(StatusCodes.Status404NotFound, $"'{principal}' has no mailbox '{name}'.");
            }

            var messages = new List<MailboxMessage>();
            await foreach (var message in account.GetMessagesAsync(found.Id, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                messages.Add(message);
            }

            var report = new List<MessageReport>(messages.Count);
            foreach (var chunk in messages.Chunk(EmailsPerRead))
            {
                var emails = (await account.GetEmailsAsync([.. chunk.Select(m => m.EmailId)], cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.Id);
                foreach (var message in chunk)
                {
                    var email = emails.GetValueOrDefault(message.EmailId);
                    report.Add(new MessageReport(
                        message.Uid,
                        message.EmailId,
                        message.ModSeq,
                        message.Size,
                        message.InternalDate,
                        message.Keywords,
                        email?.BlobId,
                        email?.ThreadId,
                        email?.Metadata.Envelope.MessageId,
                        email?.Metadata.Envelope.Subject));
                }
            }

            return Results.Json(report);
        }).ConfigureAwait(false);

    private static async Task<IResult> RawAsync(HttpContext http, string principal, ulong emailId, CancellationToken cancellationToken)
        => await WithAccountAsync(http, principal, cancellationToken, async account =>
        {
            var stream = await account.OpenMessageAsync(emailId, cancellationToken).ConfigureAwait(false);
            return stream is null
                ? AdminAccess.Problem(StatusCodes.Status404NotFound, $"'{principal}' has no email {emailId}.")
                : Results.Stream(stream, "message/rfc822");
        }).ConfigureAwait(false);

    private static async Task<IResult> MaintenanceAsync(IMailEngine engine, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var result = await MailMaintenance.RunOnceAsync(engine, loggers.CreateLogger<MailMaintenance>(), cancellationToken).ConfigureAwait(false);
        return result is null
            ? AdminAccess.Problem(StatusCodes.Status503ServiceUnavailable, "Maintenance could not finish: a store is unavailable; see the server log.")
            : Results.Json(new MaintenanceReport(result.BlobsDeleted, result.ChangesPurged, result.EmailsIndexed));
    }

    /// <summary>Runs a read against the account of a principal the directory knows; 404 for one it does not.</summary>
    private static async Task<IResult> WithAccountAsync(HttpContext http, string principal, CancellationToken cancellationToken, Func<IMailAccount, Task<IResult>> read)
    {
        try
        {
            var directory = http.RequestServices.GetRequiredService<IMailDirectories>().Authentication;
            var found = await directory.FindPrincipalAsync(principal, cancellationToken).ConfigureAwait(false);
            if (found is null || found.Kind != PrincipalKind.Individual)
            {
                return AdminAccess.Problem(StatusCodes.Status404NotFound, $"There is no account '{principal}' in the directory.");
            }

            var engine = http.RequestServices.GetRequiredService<IMailEngine>();
            var accountId = await engine.GetAccountIdAsync(found.Name, cancellationToken).ConfigureAwait(false);
            return await read(engine.OpenAccount(accountId)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StoreUnavailableException or DirectoryUnavailableException)
        {
            return AdminAccess.Problem(StatusCodes.Status503ServiceUnavailable, $"A store or the directory is unavailable: {ex.Message}");
        }
    }

    private static IResult TooLarge(HostManifest manifest)
        => AdminAccess.Problem(StatusCodes.Status413PayloadTooLarge, $"The message is larger than Mail:MaxMessageSizeBytes ({manifest.Mail.MaxMessageSize} bytes).");

    private static string Name(RecipientStatus status) => status switch
    {
        RecipientStatus.Delivered => "delivered",
        RecipientStatus.Unknown => "unknown",
        RecipientStatus.Disabled => "disabled",
        RecipientStatus.OverQuota => "over-quota",
        _ => "temporary-failure",
    };

    internal sealed record DeliveryReport(IReadOnlyList<RecipientReport> Recipients);

    internal sealed record RecipientReport(string Address, string Status, string? Detail, IReadOnlyList<CopyReport> Copies);

    internal sealed record CopyReport(ulong AccountId, ulong EmailId, ulong MailboxId, uint Uid);

    internal sealed record MailboxReport(ulong Id, string Name, string Role, bool Subscribed, uint UidValidity, uint UidNext, ulong HighestModSeq, long Total, long Unseen, long Size);

    internal sealed record MessageReport(uint Uid, ulong EmailId, ulong ModSeq, long Size, DateTimeOffset InternalDate, IReadOnlyList<string> Keywords, string? BlobId, ulong? ThreadId, string? MessageId, string? Subject);

    internal sealed record MaintenanceReport(int BlobsDeleted, int ChangesPurged, int EmailsIndexed);
}

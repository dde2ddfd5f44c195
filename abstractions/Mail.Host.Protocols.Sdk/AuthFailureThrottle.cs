using System.Net;
using Mail.Host.Storage;

namespace Mail.Host.Protocols.Sdk;

/// <summary>
/// Authentication failures counted in the lookup store per client IP and per account name, each count expiring a
/// window after the last failure. The counts live in the lookup store so that every host process sharing it sees
/// them. Past the limit a client or an account is refused; every failure is answered after a delay that grows with
/// the count, up to ten times the base delay.
/// </summary>
/// <param name="lookup">The lookup store the counters are kept in.</param>
/// <param name="protocol">The key prefix, so that each protocol counts on its own (e.g. <c>imap</c>).</param>
/// <param name="maxFailures">Failures within the window after which the IP or the account is refused.</param>
/// <param name="window">How long a count lives after its last failure.</param>
/// <param name="delay">The delay after the first failure.</param>
public sealed class AuthFailureThrottle(ILookupStore lookup, string protocol, int maxFailures, TimeSpan window, TimeSpan delay)
{
    /// <summary>Whether the client's address has reached the limit.</summary>
    /// <param name="client">The client's address.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>True when the client is to be refused.</returns>
    public async ValueTask<bool> IsBlockedAsync(IPAddress client, CancellationToken cancellationToken)
        => await lookup.GetCounterAsync(IpKey(client), cancellationToken).ConfigureAwait(false) >= maxFailures;

    /// <summary>Whether the account name has reached the limit.</summary>
    /// <param name="account">The name the client gave.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>True when the account is to be refused.</returns>
    public async ValueTask<bool> IsAccountBlockedAsync(string account, CancellationToken cancellationToken)
        => !string.IsNullOrEmpty(account)
            && await lookup.GetCounterAsync(AccountKey(account), cancellationToken).ConfigureAwait(false) >= maxFailures;

    /// <summary>Counts a failure and returns how long to wait before answering.</summary>
    /// <param name="client">The client's address.</param>
    /// <param name="account">The name the client gave, when it gave one.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>The delay before the failure is answered.</returns>
    public async ValueTask<TimeSpan> FailedAsync(IPAddress client, string? account, CancellationToken cancellationToken)
    {
        var count = await lookup.IncrementAsync(IpKey(client), 1, window, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(account))
        {
            count = Math.Max(count, await lookup.IncrementAsync(AccountKey(account), 1, window, cancellationToken).ConfigureAwait(false));
        }

        return TimeSpan.FromTicks(delay.Ticks * Math.Min(count, 10));
    }

    private string IpKey(IPAddress client) => protocol + "/authfail/ip/" + (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client);

    private string AccountKey(string account) => protocol + "/authfail/account/" + account.ToLowerInvariant();
}

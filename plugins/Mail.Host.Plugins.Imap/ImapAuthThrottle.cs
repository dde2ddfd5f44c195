using System.Net;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Imap;

/// <summary>
/// Authentication failures counted in the lookup store per client IP and per account name, each expiring a window
/// after the last failure. Past the limit a client is refused; every failure is answered after a delay that grows
/// with the count.
/// </summary>
internal sealed class ImapAuthThrottle(ILookupStore lookup, ImapListenerOptions options)
{
    public async ValueTask<bool> IsBlockedAsync(IPAddress client, string? account, CancellationToken cancellationToken)
    {
        if (await lookup.GetCounterAsync(IpKey(client), cancellationToken).ConfigureAwait(false) >= options.MaxAuthFailures)
        {
            return true;
        }

        return !string.IsNullOrEmpty(account)
            && await lookup.GetCounterAsync(AccountKey(account), cancellationToken).ConfigureAwait(false) >= options.MaxAuthFailures;
    }

    /// <summary>Counts a failure and returns how long to wait before answering.</summary>
    public async ValueTask<TimeSpan> FailedAsync(IPAddress client, string? account, CancellationToken cancellationToken)
    {
        var count = await lookup.IncrementAsync(IpKey(client), 1, options.AuthFailureWindow, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(account))
        {
            count = Math.Max(count, await lookup.IncrementAsync(AccountKey(account), 1, options.AuthFailureWindow, cancellationToken).ConfigureAwait(false));
        }

        var factor = Math.Min(count, 10);
        return TimeSpan.FromTicks(options.AuthFailureDelay.Ticks * factor);
    }

    private static string IpKey(IPAddress client) => "imap/authfail/ip/" + (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client);

    private static string AccountKey(string account) => "imap/authfail/account/" + account.ToLowerInvariant();
}

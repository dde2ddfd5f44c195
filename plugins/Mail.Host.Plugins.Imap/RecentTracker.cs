using System.Collections.Concurrent;

namespace Mail.Host.Plugins.Imap;

/// <summary>
/// The \Recent flag of IMAP4rev1: a message is recent to the first read-write session of this process that sees it.
/// Kept in memory per mailbox as the highest UID claimed; after a restart every message is recent once more.
/// </summary>
internal static class RecentTracker
{
    private static readonly ConcurrentDictionary<(ulong Account, ulong Mailbox), uint> Claimed = new();

    /// <summary>The highest UID already claimed in a mailbox.</summary>
    public static uint LastClaimed(ulong account, ulong mailbox) => Claimed.TryGetValue((account, mailbox), out var uid) ? uid : 0;

    /// <summary>Claims every UID up to <paramref name="maxUid"/>; returns the highest UID claimed before, so the caller's recent UIDs are those above it.</summary>
    public static uint Claim(ulong account, ulong mailbox, uint maxUid)
    {
        while (true)
        {
            var key = (account, mailbox);
            if (!Claimed.TryGetValue(key, out var previous))
            {
                if (Claimed.TryAdd(key, maxUid))
                {
                    return 0;
                }

                continue;
            }

            if (previous >= maxUid || Claimed.TryUpdate(key, maxUid, previous))
            {
                return previous;
            }
        }
    }
}

using System.Globalization;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// The state strings of every data type. Email, Thread and the engine part of Mailbox come from the engine's one change
/// log (the same one IMAP MODSEQs come from); Mailbox adds the counter of sort-order changes after a <c>~</c>; the
/// objects JMAP keeps itself use their own counters.
/// </summary>
internal static class JmapStates
{
    public static readonly string[] PushTypes = ["Email", "Mailbox", "Thread", "EmailDelivery", "Identity", "EmailSubmission", "VacationResponse", "Quota"];

    public static async Task<string> MailboxStateAsync(JmapServer server, ulong account, CancellationToken cancellationToken)
    {
        var engine = await server.Engine.OpenAccount(account).GetStateAsync(cancellationToken).ConfigureAwait(false);
        var meta = await server.Objects.StateAsync(account, JmapObjectKind.MailboxSortOrder, cancellationToken).ConfigureAwait(false);
        return engine + "~" + meta;
    }

    public static bool TrySplitMailboxState(string state, out string engine, out long meta)
    {
        engine = string.Empty;
        meta = 0;
        var tilde = state.LastIndexOf('~');
        if (tilde <= 0 || !long.TryParse(state.AsSpan(tilde + 1), NumberStyles.None, CultureInfo.InvariantCulture, out meta))
        {
            return false;
        }

        engine = state[..tilde];
        return true;
    }

    /// <summary>The current state of every type a push can report.</summary>
    public static async Task<Dictionary<string, string>> AllAsync(JmapServer server, ulong account, CancellationToken cancellationToken)
    {
        var engine = await server.Engine.OpenAccount(account).GetStateAsync(cancellationToken).ConfigureAwait(false);
        var quota = await server.Engine.OpenAccount(account).GetQuotaAsync(cancellationToken).ConfigureAwait(false);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Email"] = engine,
            ["Thread"] = engine,
            ["EmailDelivery"] = engine,
            ["Mailbox"] = engine + "~" + await server.Objects.StateAsync(account, JmapObjectKind.MailboxSortOrder, cancellationToken).ConfigureAwait(false),
            ["Identity"] = await server.Objects.StateAsync(account, JmapObjectKind.Identity, cancellationToken).ConfigureAwait(false),
            ["EmailSubmission"] = await server.Objects.StateAsync(account, JmapObjectKind.EmailSubmission, cancellationToken).ConfigureAwait(false),
            ["VacationResponse"] = await server.Objects.StateAsync(account, JmapObjectKind.VacationResponse, cancellationToken).ConfigureAwait(false),
            ["Quota"] = QuotaMethods.State(quota),
        };
    }
}

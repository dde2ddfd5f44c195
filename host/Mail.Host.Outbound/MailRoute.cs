namespace Mail.Host.Outbound;

/// <summary>The hosts to try for a domain, in order, or why there are none (and whether that may change).</summary>
internal sealed record MailRoute(IReadOnlyList<MailTarget> Targets, string? Error, bool IsPermanent)
{
    public static MailRoute Temporary(string error) => new([], error, false);

    public static MailRoute Permanent(string error) => new([], error, true);
}

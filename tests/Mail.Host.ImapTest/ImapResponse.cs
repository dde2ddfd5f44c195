namespace Mail.Host.ImapTest;

/// <summary>One response from the server: untagged (<c>*</c>), a continuation (<c>+</c>) or tagged.</summary>
/// <param name="Tag">"*", "+" or the command's tag.</param>
/// <param name="Arguments">The arguments after the tag (for a tagged or status response the first is OK/NO/BAD/BYE).</param>
/// <param name="Text">The response as received, literals shown by size, for reports.</param>
public sealed record ImapResponse(string Tag, IReadOnlyList<ImapToken> Arguments, string Text)
{
    /// <summary>True for an untagged response.</summary>
    public bool IsUntagged => Tag == "*";

    /// <summary>True for a command continuation request.</summary>
    public bool IsContinuation => Tag == "+";

    /// <summary>The first argument as upper-case text when it is an atom (OK, NO, BAD, BYE, CAPABILITY, a number...).</summary>
    public string First => Arguments.Count > 0 && Arguments[0].IsString ? Arguments[0].Text.ToUpperInvariant() : "";
}

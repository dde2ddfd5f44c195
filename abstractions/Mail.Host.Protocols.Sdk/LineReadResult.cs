namespace Mail.Host.Protocols.Sdk;

/// <summary>One line read by <see cref="LineConnection.ReadLineAsync"/>.</summary>
/// <param name="Status">Whether a line was read, was too long, or the connection closed.</param>
/// <param name="Line">The line's bytes without the line ending (empty unless <paramref name="Status"/> is <see cref="LineReadStatus.Line"/>).</param>
/// <param name="EndedWithCrLf">True when the line ended with CRLF, false when it ended with a bare LF.</param>
/// <param name="HasBareCr">True when the line holds a CR that is not part of its CRLF ending.</param>
public readonly record struct LineReadResult(LineReadStatus Status, byte[] Line, bool EndedWithCrLf, bool HasBareCr)
{
    /// <summary>True when the line holds a NUL byte.</summary>
    public bool HasNul => Array.IndexOf(Line, (byte)0) >= 0;
}

namespace Mail.Host.Plugins.Imap;

/// <summary>
/// One command as read from the client: its lines (without line endings) and the literal that follows each line but
/// the last, so that line <c>i</c> ends with the announcement of literal <c>i</c>.
/// </summary>
internal sealed class ImapCommand(List<byte[]> lines, List<byte[]> literals)
{
    public List<byte[]> Lines { get; } = lines;

    public List<byte[]> Literals { get; } = literals;
}

namespace Mail.Host.ImapTest;

/// <summary>The first difference found while running a script.</summary>
internal sealed class ScriptFailure(int line, string? command, string message) : Exception(message)
{
    public int Line { get; } = line;

    public string? Command { get; } = command;
}

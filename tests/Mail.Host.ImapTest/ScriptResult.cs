namespace Mail.Host.ImapTest;

/// <summary>The result of one script.</summary>
/// <param name="Name">The script's file name.</param>
/// <param name="Outcome">Pass, fail or skip.</param>
/// <param name="Reason">For a failure the first difference; for a skip what is missing (e.g. "needs capability NOTIFY").</param>
/// <param name="Line">The script line of the failing command, when there is one.</param>
/// <param name="Command">The failing command as sent (variables expanded), when there is one.</param>
/// <param name="Milliseconds">How long the script took.</param>
public sealed record ScriptResult(string Name, ScriptOutcome Outcome, string? Reason, int? Line, string? Command, long Milliseconds)
{
    /// <summary>One line for the console: <c>PASS name</c>, <c>SKIP name: reason</c>, <c>FAIL name: line N: command: reason</c>.</summary>
    public string Describe()
    {
        var label = Outcome.ToString().ToUpperInvariant();
        if (Outcome == ScriptOutcome.Pass)
        {
            return $"{label} {Name}";
        }

        var where = Line is { } line and > 0 ? $"line {line}: " : "";
        var command = Command is null ? "" : $"`{Command}`: ";
        return $"{label} {Name}: {where}{command}{Reason}";
    }
}

namespace Mail.Host.ImapTest;

/// <summary>The state a script starts in (header <c>state:</c>); each state includes the ones before it.</summary>
internal enum ScriptState
{
    NonAuth,
    Auth,
    Created,
    Appended,
    Selected,
}

/// <summary>Whether an expected untagged line must (<c>*</c>), must not (<c>!</c>) or may (<c>?</c>) be received.</summary>
internal enum Existence
{
    Must,
    MustNot,
    May,
}

/// <summary>A parsed script: its header and its command groups.</summary>
internal sealed class Script
{
    public required string Name { get; init; }

    public required string MboxPath { get; init; }

    public List<string> RequiredCapabilities { get; } = [];

    public int ConnectionCount { get; set; } = 1;

    /// <summary>Messages appended before the test; <see cref="int.MaxValue"/> is "all" (the mbox once).</summary>
    public int MessageCount { get; set; }

    public ScriptState State { get; set; } = ScriptState.Selected;

    public bool IgnoreExtraUntagged { get; set; } = true;

    /// <summary>Connection index (0-based) to the user it logs in as, from <c>user N:</c> headers.</summary>
    public Dictionary<int, string> ConnectionUsers { get; } = [];

    public bool RequiresUser2 { get; set; }

    public bool HasBannerCheck { get; set; }

    public List<ScriptGroup> Groups { get; } = [];
}

/// <summary>Commands sent together on one connection, the untagged replies expected meanwhile, and their tagged replies.</summary>
internal sealed class ScriptGroup
{
    public int Connection { get; set; }

    public List<ScriptCommand> Commands { get; } = [];

    public List<ExpectedUntagged> Untagged { get; } = [];

    public int RepliesPending { get; set; }

    public bool UntaggedOrdered { get; set; }

    public int SleepMilliseconds { get; set; }

    public bool HasUntaggedBye { get; set; }

    public List<string> Output { get; } = [];
}

/// <summary>One command of a group.</summary>
internal sealed class ScriptCommand
{
    public required int Line { get; init; }

    /// <summary>The script's tag number (<c>tagN</c>), 0 when the command has none.</summary>
    public required int Tag { get; init; }

    /// <summary>The command text; literals are <see cref="ImapTokenizer.LiteralMarker"/> characters.</summary>
    public required string Text { get; init; }

    public required IReadOnlyList<string> Literals { get; init; }

    /// <summary>The expected tagged reply (OK/NO/BAD/"" and an optional prefix); null until the script gives it.</summary>
    public List<ImapToken>? Reply { get; set; }
}

/// <summary>An expected (or banned) untagged reply.</summary>
internal sealed class ExpectedUntagged
{
    public required Existence Existence { get; init; }

    public required List<ImapToken> Arguments { get; init; }

    public required int Line { get; init; }
}

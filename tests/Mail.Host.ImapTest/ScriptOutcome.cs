namespace Mail.Host.ImapTest;

/// <summary>How a script ended.</summary>
public enum ScriptOutcome
{
    /// <summary>Every command got the replies the script expects.</summary>
    Pass,

    /// <summary>A reply differed (or the script could not run); the result says where.</summary>
    Fail,

    /// <summary>Not run: the server lacks a capability the script needs, or the script needs a second user.</summary>
    Skip,
}

namespace Mail.Host.ImapTest;

/// <summary>A script step that cannot be run (an unset variable, a broken directive); the script fails with it.</summary>
public sealed class ScriptRunException(string message) : Exception(message);

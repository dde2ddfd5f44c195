namespace Mail.Host.ImapTest;

/// <summary>A script that does not follow the format; the message names the file and line.</summary>
public sealed class ScriptFormatException(string message) : Exception(message);

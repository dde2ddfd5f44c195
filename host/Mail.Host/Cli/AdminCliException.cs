namespace Mail.Host.Cli;

/// <summary>An account, domain or group command failed; the message is printed as it is, after <c>mailhost: </c>.</summary>
internal sealed class AdminCliException(string message) : Exception(message);

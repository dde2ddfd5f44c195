namespace Mail.Host.Plugins.Smtp;

/// <summary>A recipient accepted in a transaction, with its DSN parameters (RFC 3461).</summary>
internal sealed record QueuedRecipient(string Address, bool Local, string? Notify, string? OriginalRecipient);

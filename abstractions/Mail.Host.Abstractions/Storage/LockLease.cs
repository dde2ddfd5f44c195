namespace Mail.Host.Storage;

/// <summary>A held lock: its name, the holder's token and when the lease ends.</summary>
/// <param name="Name">The lock's name.</param>
/// <param name="Token">A value unique to this holding, so a late release cannot free a lock someone else took.</param>
/// <param name="ExpiresAt">When the lease ends unless renewed.</param>
public sealed record LockLease(string Name, string Token, DateTimeOffset ExpiresAt);

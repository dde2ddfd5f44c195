namespace Mail.Host.Plugins.RocksDb;

/// <summary>What the writer decided for one batch.</summary>
/// <param name="Committed">Whether the batch was applied (its assertions held).</param>
/// <param name="Counter">The value of the last counter the batch incremented, for <c>IncrementAsync</c>.</param>
internal readonly record struct WriteOutcome(bool Committed, long Counter);

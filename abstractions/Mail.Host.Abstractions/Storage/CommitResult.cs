namespace Mail.Host.Storage;

/// <summary>The outcome of <see cref="IDataStore.CommitAsync"/>.</summary>
public enum CommitResult
{
    /// <summary>Every assertion held and every operation is applied and durable.</summary>
    Committed,

    /// <summary>An assertion did not hold; nothing was applied.</summary>
    AssertionFailed,
}

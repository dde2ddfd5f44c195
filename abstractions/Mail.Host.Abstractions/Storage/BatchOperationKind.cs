namespace Mail.Host.Storage;

/// <summary>What one entry of a <see cref="WriteBatch"/> does.</summary>
public enum BatchOperationKind
{
    /// <summary>Writes <see cref="BatchOperation.Value"/> under the key.</summary>
    Set,

    /// <summary>Removes the key; removing an absent key is not an error.</summary>
    Delete,

    /// <summary>Adds <see cref="BatchOperation.Delta"/> to the counter under the key (see <see cref="Counter"/>).</summary>
    Increment,

    /// <summary>
    /// Requires the key's current value to equal <see cref="BatchOperation.Value"/>, or the key to be absent when
    /// that is <see langword="null"/>; otherwise the whole batch fails.
    /// </summary>
    Assert,
}

using System.Collections;

namespace Mail.Host.Storage;

/// <summary>
/// Operations and assertions applied together by <see cref="IDataStore.CommitAsync"/>. Assertions are checked
/// against the state before the batch, whatever their position; operations apply in order, so a later write to
/// the same key wins.
/// </summary>
public sealed class WriteBatch : IReadOnlyList<BatchOperation>
{
    private readonly List<BatchOperation> operations = [];

    /// <summary>The number of entries.</summary>
    public int Count => operations.Count;

    /// <summary>Whether the batch carries any assertion.</summary>
    public bool HasAssertions { get; private set; }

    /// <summary>An entry by position.</summary>
    /// <param name="index">The position.</param>
    public BatchOperation this[int index] => operations[index];

    /// <summary>Writes a value.</summary>
    /// <param name="subspace">The subspace name.</param>
    /// <param name="key">The key; copied.</param>
    /// <param name="value">The value; copied.</param>
    /// <returns>This batch.</returns>
    public WriteBatch Set(string subspace, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        SubspaceName.Validate(subspace);
        operations.Add(new(BatchOperationKind.Set, subspace, key.ToArray(), value.ToArray(), 0));
        return this;
    }

    /// <summary>Removes a key.</summary>
    /// <param name="subspace">The subspace name.</param>
    /// <param name="key">The key; copied.</param>
    /// <returns>This batch.</returns>
    public WriteBatch Delete(string subspace, ReadOnlySpan<byte> key)
    {
        SubspaceName.Validate(subspace);
        operations.Add(new(BatchOperationKind.Delete, subspace, key.ToArray(), null, 0));
        return this;
    }

    /// <summary>Adds to a counter.</summary>
    /// <param name="subspace">The subspace name.</param>
    /// <param name="key">The counter's key; copied.</param>
    /// <param name="delta">The amount to add; may be negative.</param>
    /// <returns>This batch.</returns>
    public WriteBatch Increment(string subspace, ReadOnlySpan<byte> key, long delta)
    {
        SubspaceName.Validate(subspace);
        operations.Add(new(BatchOperationKind.Increment, subspace, key.ToArray(), null, delta));
        return this;
    }

    /// <summary>Requires a key to hold exactly <paramref name="expected"/> for the batch to apply.</summary>
    /// <param name="subspace">The subspace name.</param>
    /// <param name="key">The key; copied.</param>
    /// <param name="expected">The value the key must hold; copied.</param>
    /// <returns>This batch.</returns>
    public WriteBatch AssertValue(string subspace, ReadOnlySpan<byte> key, ReadOnlySpan<byte> expected)
    {
        SubspaceName.Validate(subspace);
        operations.Add(new(BatchOperationKind.Assert, subspace, key.ToArray(), expected.ToArray(), 0));
        HasAssertions = true;
        return this;
    }

    /// <summary>Requires a key to be absent for the batch to apply.</summary>
    /// <param name="subspace">The subspace name.</param>
    /// <param name="key">The key; copied.</param>
    /// <returns>This batch.</returns>
    public WriteBatch AssertAbsent(string subspace, ReadOnlySpan<byte> key)
    {
        SubspaceName.Validate(subspace);
        operations.Add(new(BatchOperationKind.Assert, subspace, key.ToArray(), null, 0));
        HasAssertions = true;
        return this;
    }

    /// <inheritdoc />
    public IEnumerator<BatchOperation> GetEnumerator() => operations.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

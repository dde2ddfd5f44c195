using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>
/// The net effect of a batch's writes, one per key: a value to set, a removal, or an amount to add to the stored
/// counter. Applying the net effects in any order gives what applying the operations in order would, so the values
/// can go in one multi-row statement and the removals in one per subspace.
/// </summary>
internal sealed class SqlBatchPlan
{
    private readonly Dictionary<(string Subspace, string Key), Effect> effects = [];
    private readonly List<(string Subspace, string Key)> order = [];

    /// <summary>The values to write, with about how many bytes each carries.</summary>
    public IEnumerable<(string Subspace, byte[] Key, byte[] Value)> Sets
        => order.Select(id => effects[id]).Where(e => e.Kind == BatchOperationKind.Set).Select(e => (e.Subspace, e.Key, e.Value!));

    /// <summary>The keys to remove, by subspace.</summary>
    public IEnumerable<IGrouping<string, byte[]>> Deletes
        => order.Select(id => effects[id]).Where(e => e.Kind == BatchOperationKind.Delete).GroupBy(e => e.Subspace, e => e.Key);

    /// <summary>The amounts to add to stored counters.</summary>
    public IEnumerable<(string Subspace, byte[] Key, long Delta)> Increments
        => order.Select(id => effects[id]).Where(e => e.Kind == BatchOperationKind.Increment).Select(e => (e.Subspace, e.Key, e.Delta));

    /// <summary>Whether the plan writes the key.</summary>
    /// <param name="subspace">The subspace.</param>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    public bool Writes(string subspace, byte[] key) => effects.ContainsKey((subspace, Convert.ToBase64String(key)));

    /// <summary>Adds an operation after those already added; assertions are ignored.</summary>
    /// <param name="operation">The operation.</param>
    public void Add(BatchOperation operation)
    {
        if (operation.Kind == BatchOperationKind.Assert)
        {
            return;
        }

        var id = (operation.Subspace, Convert.ToBase64String(operation.Key));
        if (!effects.TryGetValue(id, out var current))
        {
            order.Add(id);
        }

        effects[id] = (operation.Kind, current?.Kind) switch
        {
            (BatchOperationKind.Set, _) => new Effect(BatchOperationKind.Set, operation.Subspace, operation.Key, operation.Value, 0),
            (BatchOperationKind.Delete, _) => new Effect(BatchOperationKind.Delete, operation.Subspace, operation.Key, null, 0),
            (_, BatchOperationKind.Set) => current! with { Value = Counter.Encode(unchecked(Counter.Decode(current!.Value) + operation.Delta)) },
            (_, BatchOperationKind.Delete) => new Effect(BatchOperationKind.Set, operation.Subspace, operation.Key, Counter.Encode(operation.Delta), 0),
            (_, BatchOperationKind.Increment) => current! with { Delta = unchecked(current!.Delta + operation.Delta) },
            _ => new Effect(BatchOperationKind.Increment, operation.Subspace, operation.Key, null, operation.Delta),
        };
    }

    /// <summary>The net effect on one key.</summary>
    private sealed record Effect(BatchOperationKind Kind, string Subspace, byte[] Key, byte[]? Value, long Delta);
}

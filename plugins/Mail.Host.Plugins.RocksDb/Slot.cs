namespace Mail.Host.Plugins.RocksDb;

/// <summary>A key in a subspace, compared by content, for the writer's view of the writes of its current group.</summary>
internal readonly struct Slot : IEquatable<Slot>
{
    public Slot(string subspace, byte[] key)
    {
        Subspace = subspace;
        Key = key;
    }

    public string Subspace { get; }

    public byte[] Key { get; }

    public bool Equals(Slot other)
        => string.Equals(Subspace, other.Subspace, StringComparison.Ordinal) && Key.AsSpan().SequenceEqual(other.Key);

    public override bool Equals(object? obj) => obj is Slot other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Subspace, StringComparer.Ordinal);
        hash.AddBytes(Key);
        return hash.ToHashCode();
    }
}

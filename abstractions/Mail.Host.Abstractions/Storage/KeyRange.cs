namespace Mail.Host.Storage;

/// <summary>A range of keys in one subspace: from <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive).</summary>
public sealed record KeyRange
{
    /// <summary>Creates a range.</summary>
    /// <param name="start">The first key (inclusive); empty for the start of the subspace.</param>
    /// <param name="end">The key after the last (exclusive); <see langword="null"/> for the end of the subspace.</param>
    /// <param name="reverse">Whether to read from the end towards the start.</param>
    /// <param name="limit">The most entries to return.</param>
    public KeyRange(byte[] start, byte[]? end, bool reverse = false, int limit = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Start = start;
        End = end;
        Reverse = reverse;
        Limit = limit;
    }

    /// <summary>The first key (inclusive); empty for the start of the subspace.</summary>
    public byte[] Start { get; init; }

    /// <summary>The key after the last (exclusive); <see langword="null"/> for the end of the subspace.</summary>
    public byte[]? End { get; init; }

    /// <summary>Whether entries come in descending key order.</summary>
    public bool Reverse { get; init; }

    /// <summary>The most entries to return.</summary>
    public int Limit { get; init; }

    /// <summary>The whole subspace.</summary>
    /// <param name="reverse">Whether to read from the end towards the start.</param>
    /// <param name="limit">The most entries to return.</param>
    /// <returns>The range.</returns>
    public static KeyRange All(bool reverse = false, int limit = int.MaxValue) => new([], null, reverse, limit);

    /// <summary>Every key that starts with <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The common prefix.</param>
    /// <param name="reverse">Whether to read from the end towards the start.</param>
    /// <param name="limit">The most entries to return.</param>
    /// <returns>The range.</returns>
    public static KeyRange Prefix(ReadOnlySpan<byte> prefix, bool reverse = false, int limit = int.MaxValue)
        => new(prefix.ToArray(), PrefixEnd(prefix), reverse, limit);

    /// <summary>Tells whether a key lies in the range (ignoring direction and limit).</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when <see cref="Start"/> &lt;= key &lt; <see cref="End"/>.</returns>
    public bool Contains(ReadOnlySpan<byte> key)
        => key.SequenceCompareTo(Start) >= 0 && (End is null || key.SequenceCompareTo(End) < 0);

    /// <summary>The smallest key greater than every key that starts with <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The prefix.</param>
    /// <returns>That key, or <see langword="null"/> when the prefix is empty or all 0xFF (no such key).</returns>
    public static byte[]? PrefixEnd(ReadOnlySpan<byte> prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] != 0xFF)
            {
                var end = prefix[..(i + 1)].ToArray();
                end[i]++;
                return end;
            }
        }

        return null;
    }
}

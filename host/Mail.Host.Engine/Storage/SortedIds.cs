namespace Mail.Host.Engine.Storage;

/// <summary>
/// Set operations on ascending, duplicate-free lists of document ids. Scans return ids in that order already, so
/// merging keeps every step linear and the final result needs no sort.
/// </summary>
internal static class SortedIds
{
    /// <summary>The ids in both lists.</summary>
    /// <param name="left">Ascending ids.</param>
    /// <param name="right">Ascending ids.</param>
    /// <returns>Ascending ids.</returns>
    public static List<ulong> Intersect(IReadOnlyList<ulong> left, IReadOnlyList<ulong> right)
    {
        var result = new List<ulong>(Math.Min(left.Count, right.Count));
        int i = 0, j = 0;
        while (i < left.Count && j < right.Count)
        {
            var comparison = left[i].CompareTo(right[j]);
            if (comparison == 0)
            {
                result.Add(left[i]);
                i++;
                j++;
            }
            else if (comparison < 0)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return result;
    }

    /// <summary>The ids in either list.</summary>
    /// <param name="left">Ascending ids.</param>
    /// <param name="right">Ascending ids.</param>
    /// <returns>Ascending ids.</returns>
    public static List<ulong> Union(IReadOnlyList<ulong> left, IReadOnlyList<ulong> right)
    {
        var result = new List<ulong>(left.Count + right.Count);
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (j == right.Count || (i < left.Count && left[i] < right[j]))
            {
                result.Add(left[i++]);
            }
            else if (i == left.Count || right[j] < left[i])
            {
                result.Add(right[j++]);
            }
            else
            {
                result.Add(left[i]);
                i++;
                j++;
            }
        }

        return result;
    }

    /// <summary>The ids of the first list that are not in the second.</summary>
    /// <param name="left">Ascending ids.</param>
    /// <param name="right">Ascending ids.</param>
    /// <returns>Ascending ids.</returns>
    public static List<ulong> Except(IReadOnlyList<ulong> left, IReadOnlyList<ulong> right)
    {
        var result = new List<ulong>(left.Count);
        var j = 0;
        foreach (var id in left)
        {
            while (j < right.Count && right[j] < id)
            {
                j++;
            }

            if (j == right.Count || right[j] != id)
            {
                result.Add(id);
            }
        }

        return result;
    }

    /// <summary>Sorts ids and drops repeats, for results gathered out of order (prefix scans over several terms).</summary>
    /// <param name="ids">The ids.</param>
    /// <returns>Ascending, distinct ids.</returns>
    public static List<ulong> Normalize(List<ulong> ids)
    {
        ids.Sort();
        var write = 0;
        for (var read = 0; read < ids.Count; read++)
        {
            if (write == 0 || ids[read] != ids[write - 1])
            {
                ids[write++] = ids[read];
            }
        }

        ids.RemoveRange(write, ids.Count - write);
        return ids;
    }
}

using System.Collections.Concurrent;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// The subspaces whose tables are known to exist (committed). Tables are never dropped, so once known a table
/// stays known; readers and the writer share this to skip asking the schema again.
/// </summary>
internal sealed class SqliteTables
{
    private readonly ConcurrentDictionary<string, byte> known = new(StringComparer.Ordinal);

    /// <summary>Whether the subspace's table is known to exist.</summary>
    /// <param name="subspace">The subspace name.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    public bool IsKnown(string subspace) => known.ContainsKey(subspace);

    /// <summary>Records that a subspace's table exists.</summary>
    /// <param name="subspace">The subspace name.</param>
    public void Add(string subspace) => known.TryAdd(subspace, 0);

    /// <summary>Whether the subspace's table exists, asking the database when it is not yet known.</summary>
    /// <param name="db">A connection to ask.</param>
    /// <param name="subspace">The subspace name.</param>
    /// <returns><see langword="true"/> when it exists.</returns>
    public bool Exists(PreparedConnection db, string subspace)
    {
        if (IsKnown(subspace))
        {
            return true;
        }

        if (!db.TableExists(subspace))
        {
            return false;
        }

        Add(subspace);
        return true;
    }
}

using Mail.Host.Storage;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// What a <see cref="WriteRequest"/> may do inside the writer's open transaction: read the current state (which
/// includes earlier batches of the same group), write, and create subspace tables. Tables created by a batch
/// count as existing only once the batch is kept and the group is committed, since a rollback undoes them.
/// </summary>
internal sealed class SqliteWriteScope(PreparedConnection db, SqliteTables tables)
{
    private readonly HashSet<string> createdInGroup = new(StringComparer.Ordinal);
    private readonly HashSet<string> createdInBatch = new(StringComparer.Ordinal);

    /// <summary>The writer's connection.</summary>
    public PreparedConnection Db => db;

    /// <summary>Starts a group: nothing created yet.</summary>
    public void BeginGroup()
    {
        createdInGroup.Clear();
        createdInBatch.Clear();
    }

    /// <summary>Starts a batch within the group.</summary>
    public void BeginBatch() => createdInBatch.Clear();

    /// <summary>The batch's changes stay: its tables exist for the rest of the group.</summary>
    public void KeepBatch() => createdInGroup.UnionWith(createdInBatch);

    /// <summary>The group is durable: its tables exist for everyone.</summary>
    public void CommitGroup()
    {
        foreach (var subspace in createdInGroup)
        {
            tables.Add(subspace);
        }
    }

    /// <summary>Creates a subspace's table unless it is known to exist.</summary>
    /// <param name="subspace">The subspace name.</param>
    public void EnsureTable(string subspace)
    {
        if (tables.IsKnown(subspace) || createdInGroup.Contains(subspace) || createdInBatch.Contains(subspace))
        {
            return;
        }

        // WITHOUT ROWID keeps the rows in key order in the primary key's tree; BLOBs compare with memcmp, which
        // is the unsigned byte order the contract asks for.
        db.Execute($"CREATE TABLE IF NOT EXISTS {PreparedConnection.Table(subspace)} (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
        createdInBatch.Add(subspace);
    }

    /// <summary>Reads one value as the transaction sees it.</summary>
    /// <param name="subspace">The subspace, whose table exists.</param>
    /// <param name="key">The key.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public byte[]? Get(string subspace, byte[] key) => db.Get(subspace, key);

    /// <summary>Writes a value.</summary>
    /// <param name="subspace">The subspace, whose table exists.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    public void Put(string subspace, byte[] key, byte[] value)
    {
        var command = db.Command($"INSERT INTO {PreparedConnection.Table(subspace)} (k, v) VALUES ($k, $v) ON CONFLICT (k) DO UPDATE SET v = excluded.v");
        PreparedConnection.BindBlob(command, "$k", key);
        PreparedConnection.BindBlob(command, "$v", value);
        command.ExecuteNonQuery();
    }

    /// <summary>Removes a key; an absent key is not an error.</summary>
    /// <param name="subspace">The subspace, whose table exists.</param>
    /// <param name="key">The key.</param>
    public void Delete(string subspace, byte[] key)
    {
        var command = db.Command($"DELETE FROM {PreparedConnection.Table(subspace)} WHERE k = $k");
        PreparedConnection.BindBlob(command, "$k", key);
        command.ExecuteNonQuery();
    }

    /// <summary>Adds to a counter and writes it back in the <see cref="Counter"/> encoding.</summary>
    /// <param name="subspace">The subspace, whose table exists.</param>
    /// <param name="key">The counter's key.</param>
    /// <param name="delta">The amount to add.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="FormatException">The key holds something that is not a counter.</exception>
    /// <exception cref="OverflowException">The sum does not fit in a signed 64-bit integer.</exception>
    public long Add(string subspace, byte[] key, long delta)
    {
        var value = checked(Counter.Decode(Get(subspace, key)) + delta);
        Put(subspace, key, Counter.Encode(value));
        return value;
    }
}

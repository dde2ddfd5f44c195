namespace Mail.Host.Benchmarks;

/// <summary>The embedded backends the benchmarks run on, by their store type names in the manifest.</summary>
public static class Backend
{
    /// <summary>The in-memory store (plugin <c>memory</c>).</summary>
    public const string Memory = "memory";

    /// <summary>The RocksDB store (plugin <c>rocksdb</c>), with synced writes as in production.</summary>
    public const string RocksDb = "rocksdb";

    /// <summary>The SQLite store (plugin <c>sqlite</c>).</summary>
    public const string Sqlite = "sqlite";

    /// <summary>Whether the backend keeps its data in files, so a prepared dataset can be kept between runs.</summary>
    /// <param name="backend">The backend's name.</param>
    /// <returns><see langword="true"/> for the backends on disk.</returns>
    public static bool IsPersistent(string backend) => backend is RocksDb or Sqlite;
}

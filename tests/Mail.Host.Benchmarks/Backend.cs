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

    /// <summary>The PostgreSQL store (plugin <c>postgresql</c>), on the server named by <c>MAILHOST_BENCH_POSTGRES</c>.</summary>
    public const string PostgreSql = "postgresql";

    /// <summary>The MySQL/MariaDB store (plugin <c>mysql</c>), on the server named by <c>MAILHOST_BENCH_MARIADB</c>.</summary>
    public const string MariaDb = "mysql";

    /// <summary>The PostgreSQL store with its native full-text mode (tsvector under GIN) serving the full-text role.</summary>
    public const string PostgreSqlNative = "postgresql-native";

    /// <summary>The MySQL/MariaDB store with its native full-text mode (an InnoDB FULLTEXT index) serving the full-text role.</summary>
    public const string MariaDbNative = "mysql-native";

    /// <summary>The environment variable holding the PostgreSQL connection string.</summary>
    public const string PostgreSqlVariable = "MAILHOST_BENCH_POSTGRES";

    /// <summary>The environment variable holding the MariaDB connection string.</summary>
    public const string MariaDbVariable = "MAILHOST_BENCH_MARIADB";

    /// <summary>
    /// The backends of a run: the embedded ones always, PostgreSQL and MariaDB when their connection strings are set
    /// (tests/bench/engine-bench.sh starts both servers and sets them).
    /// </summary>
    /// <param name="withNativeFullText">Whether the servers' native full-text modes are run as backends of their own.</param>
    /// <returns>The backends' names.</returns>
    public static IEnumerable<string> Available(bool withNativeFullText = false)
    {
        yield return Memory;
        yield return RocksDb;
        yield return Sqlite;
        if (Environment.GetEnvironmentVariable(PostgreSqlVariable) is { Length: > 0 })
        {
            yield return PostgreSql;
            if (withNativeFullText)
            {
                yield return PostgreSqlNative;
            }
        }

        if (Environment.GetEnvironmentVariable(MariaDbVariable) is { Length: > 0 })
        {
            yield return MariaDb;
            if (withNativeFullText)
            {
                yield return MariaDbNative;
            }
        }
    }

    /// <summary>Whether the backend keeps its data in files, so a prepared dataset can be kept between runs.</summary>
    /// <param name="backend">The backend's name.</param>
    /// <returns><see langword="true"/> for the backends on disk.</returns>
    public static bool IsPersistent(string backend) => backend is RocksDb or Sqlite;

    /// <summary>Whether the backend is a server the benchmark shares with nothing else for the run.</summary>
    /// <param name="backend">The backend's name.</param>
    /// <returns><see langword="true"/> for PostgreSQL and MariaDB.</returns>
    public static bool IsServer(string backend) => backend is PostgreSql or MariaDb or PostgreSqlNative or MariaDbNative;
}

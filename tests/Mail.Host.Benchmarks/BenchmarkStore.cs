using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Plugins.MySql;
using Mail.Host.Plugins.PostgreSql;
using Mail.Host.Plugins.RocksDb;
using Mail.Host.Plugins.Sqlite;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Benchmarks;

/// <summary>
/// One backend opened the way the host opens it (its provider, a <see cref="StoreContext"/> with the manifest's
/// settings), with blobs kept in the same data store as the default deployment of an embedded backend does.
/// </summary>
internal sealed class BenchmarkStore : IAsyncDisposable
{
    private readonly IStoreInstance instance;

    private BenchmarkStore(IStoreInstance instance, IDataStore data)
    {
        this.instance = instance;
        Data = data;
        Blobs = instance.Blob ?? new DataStoreBlobStore(data);
        FullText = instance.FullText ?? new DataStoreFullTextStore(data);
    }

    public IDataStore Data { get; }

    public IBlobStore Blobs { get; }

    /// <summary>The full-text role: the store's own when it serves one natively, else the engine's index over the data role.</summary>
    public IFullTextStore FullText { get; }

    /// <summary>The scratch folders of the benchmarks, under the system's temporary folder.</summary>
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "mail-host-benchmarks");

    /// <summary>Opens <paramref name="backend"/> with its files in <paramref name="folder"/>.</summary>
    /// <param name="backend">One of the <see cref="Backend"/> names.</param>
    /// <param name="folder">The folder standing for the manifest's folder.</param>
    /// <param name="syncWrites">
    /// For RocksDB: <see langword="false"/> only to load a dataset faster; what is measured always runs synced.
    /// </param>
    /// <param name="tablePrefix">For PostgreSQL and MariaDB: the prefix of the tables, so each run or dataset has its own.</param>
    public static async ValueTask<BenchmarkStore> OpenAsync(string backend, string folder, bool syncWrites = true, string? tablePrefix = null)
    {
        System.IO.Directory.CreateDirectory(folder);
        var settings = new Dictionary<string, string?> { ["Type"] = backend };
        IStoreProvider provider;
        switch (backend)
        {
            case Backend.Memory:
                provider = new MemoryStoreProvider();
                break;
            case Backend.RocksDb:
                provider = new RocksDbStoreProvider();
                settings["Path"] = "rocksdb";
                settings["SyncWrites"] = syncWrites ? "true" : "false";
                break;
            case Backend.Sqlite:
                provider = new SqliteStoreProvider();
                settings["Path"] = "mail.sqlite";
                break;
            case Backend.PostgreSql or Backend.PostgreSqlNative:
                settings["Type"] = Backend.PostgreSql;
                settings["FullText"] = backend == Backend.PostgreSqlNative ? "native" : "engine";
                provider = new PostgreSqlStoreProvider();
                settings["ConnectionString"] = Require(Backend.PostgreSqlVariable);
                settings["TablePrefix"] = tablePrefix ?? UniquePrefix();
                break;
            case Backend.MariaDb or Backend.MariaDbNative:
                settings["Type"] = Backend.MariaDb;
                settings["FullText"] = backend == Backend.MariaDbNative ? "native" : "engine";
                provider = new MySqlStoreProvider();
                settings["ConnectionString"] = Require(Backend.MariaDbVariable);
                settings["TablePrefix"] = tablePrefix ?? UniquePrefix();
                break;
            default:
                throw new ArgumentException($"Unknown backend '{backend}'; use one of {string.Join(", ", Backend.Available())}.", nameof(backend));
        }

        var context = new StoreContext
        {
            Name = "main",
            Settings = new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
            BaseDirectory = folder,
            Services = new ServiceCollection().BuildServiceProvider(),
        };
        var instance = await provider.OpenAsync(context, CancellationToken.None);
        return new BenchmarkStore(instance, instance.Data ?? throw new InvalidOperationException($"The {backend} store does not serve the data role."));
    }

    /// <summary>A table prefix no other run uses.</summary>
    public static string UniquePrefix() => "bench_" + Guid.NewGuid().ToString("N")[..10] + "_";

    private static string Require(string variable)
        => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: run tests/bench/engine-bench.sh, which starts the server and sets it.");

    /// <summary>A new, empty folder for one run.</summary>
    public static string NewFolder(string purpose)
    {
        var folder = Path.Combine(Root, purpose + "-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Deletes a folder made by <see cref="NewFolder"/>.</summary>
    public static void DeleteFolder(string folder)
    {
        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone is what was wanted.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await instance.FlushAsync(CancellationToken.None);
        await instance.DisposeAsync();
    }
}

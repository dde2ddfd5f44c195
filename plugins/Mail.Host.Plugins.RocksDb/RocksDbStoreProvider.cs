using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RocksDbSharp;

namespace Mail.Host.Plugins.RocksDb;

/// <summary>
/// Opens <c>rocksdb</c> store instances: an embedded RocksDB database in a local folder, serving the data role.
/// </summary>
/// <remarks>
/// Settings (the store's manifest section):
/// <list type="bullet">
/// <item><c>Path</c> (required): the database folder, absolute or relative to the manifest's folder; created when
/// missing. One store instance, in one process, per folder.</item>
/// <item><c>SyncWrites</c> (default <c>true</c>): every commit waits until the write-ahead log is on disk.
/// <c>false</c> acknowledges commits once RocksDB has them in memory: much faster, but a power loss or kernel crash
/// loses the last acknowledged commits (a crash of the process alone does not). Only for tests and
/// benchmarks.</item>
/// <item><c>BlockCacheMegabytes</c> (default 64): the read cache shared by every subspace.</item>
/// <item><c>MaxBatchOperations</c> (default 256): the most commits combined into one write by group commit.</item>
/// </list>
/// </remarks>
public sealed class RocksDbStoreProvider : IStoreProvider
{
    /// <inheritdoc />
    public string Type => "rocksdb";

    /// <inheritdoc />
    public StoreRoles Roles => StoreRoles.Data;

    /// <inheritdoc />
    public IEnumerable<string> Validate(StoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        RocksDbSettings.Read(context, out var problems);
        return problems;
    }

    /// <inheritdoc />
    public async ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var settings = RocksDbSettings.Read(context, out var problems);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        var logger = (context.Services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Mail.Host.Plugins.RocksDb");

        // Opening replays the write-ahead log, which can take a while after a crash: not on the caller's thread.
        try
        {
            var store = await Task.Run(() => RocksDbDataStore.Open(settings, context.Name, logger), cancellationToken).ConfigureAwait(false);
            return new RocksDbStoreInstance(store);
        }
        catch (RocksDbSharpException ex)
        {
            // RocksDB names its lock file when the folder is in use; that one deserves a plainer explanation.
            var hint = ex.Message.Contains("LOCK", StringComparison.Ordinal) ? " Another process (or another store in this manifest) is using the folder; give each store its own Path." : string.Empty;
            throw new InvalidOperationException($"Store '{context.Name}' cannot open the RocksDB database in '{settings.Path}': {ex.Message}.{hint}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Store '{context.Name}' cannot use the folder '{settings.Path}': {ex.Message}", ex);
        }
    }
}

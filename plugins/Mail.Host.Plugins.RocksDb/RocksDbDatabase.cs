using System.Collections.Concurrent;
using System.Diagnostics;
using RocksDbSharp;

namespace Mail.Host.Plugins.RocksDb;

/// <summary>
/// The open RocksDB database and its column families: one column family per subspace.
/// </summary>
/// <remarks>
/// <para>
/// Column families rather than a subspace prefix in one key space: a subspace is then its own ordered space, so a
/// scan reaches the end of the subspace where RocksDB's iterator ends and can never run into a neighbour whose name
/// shares a prefix (no escaping or length prefix to get right, no prefix to strip from every key read). A write
/// batch spanning column families is still one atomic record in the shared write-ahead log. The cost is a memtable
/// per column family, which is small for the few dozen subspaces the engine uses, and the shared block cache keeps
/// reads bounded.
/// </para>
/// <para>
/// Column family names are the subspace name after <see cref="FamilyPrefix"/>. Subspace names may be
/// <c>default</c>, RocksDB's own column family, so the prefix keeps them apart and leaves the default column
/// family free for the store's own bookkeeping.
/// </para>
/// <para>
/// Closing a RocksDB handle while a read or an iterator is still using it crashes the process, so every native
/// call outside the writer holds a lease (<see cref="Enter"/>), and <see cref="CloseAsync"/> waits for leases to
/// end before it closes.
/// </para>
/// </remarks>
internal sealed class RocksDbDatabase
{
    /// <summary>What comes before the subspace name in a column family's name.</summary>
    public const string FamilyPrefix = "subspace:";

    private readonly ConcurrentDictionary<string, ColumnFamilyHandle> families;
    private readonly Lock createGate = new();

    // Kept for the database's lifetime: the native options and cache they wrap are used by every column family.
    private readonly DbOptions dbOptions;
    private readonly ColumnFamilyOptions familyOptions;
    private readonly BlockBasedTableOptions tableOptions;
    private readonly Cache blockCache;

    private int users;
    private int closing;

    private RocksDbDatabase(RocksDbSharp.RocksDb db, ConcurrentDictionary<string, ColumnFamilyHandle> families, DbOptions dbOptions, ColumnFamilyOptions familyOptions, BlockBasedTableOptions tableOptions, Cache blockCache)
    {
        Db = db;
        this.families = families;
        this.dbOptions = dbOptions;
        this.familyOptions = familyOptions;
        this.tableOptions = tableOptions;
        this.blockCache = blockCache;
    }

    /// <summary>The native database. Use only inside a lease, or from the writer before it stops.</summary>
    public RocksDbSharp.RocksDb Db { get; }

    /// <summary>Opens (creating when missing) the database in a folder, with every column family it has.</summary>
    /// <param name="settings">The store's settings.</param>
    /// <returns>The open database.</returns>
    /// <exception cref="RocksDbSharpException">RocksDB could not open the folder.</exception>
    public static RocksDbDatabase Open(RocksDbSettings settings)
    {
        System.IO.Directory.CreateDirectory(settings.Path);

        var blockCache = Cache.CreateLru((ulong)settings.BlockCacheMegabytes * 1024 * 1024);

        // A Bloom filter lets the many reads of absent keys (absence assertions, first increments) skip the disk.
        var tableOptions = new BlockBasedTableOptions()
            .SetBlockCache(blockCache)
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false));
        var familyOptions = new ColumnFamilyOptions().SetBlockBasedTableFactory(tableOptions);

        // Message contents, metadata and blob chunks are kilobytes each; kept in blob files beside the tables, they are
        // written to disk once at flush instead of again by every compaction that moves their keys.
        Native.Instance.rocksdb_options_set_enable_blob_files(familyOptions.Handle, 1);
        Native.Instance.rocksdb_options_set_min_blob_size(familyOptions.Handle, 4096);
        Native.Instance.rocksdb_options_set_enable_blob_gc(familyOptions.Handle, 1);
        var dbOptions = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .IncreaseParallelism(Math.Max(2, Environment.ProcessorCount))
            .SetBlockBasedTableFactory(tableOptions)

            // With a memtable per column family, a rarely written subspace would otherwise keep every old log
            // file alive; past this size RocksDB flushes the column families that pin the oldest log.
            .SetMaxTotalWalSize(256UL * 1024 * 1024)

            // RocksDB keeps 1000 old info logs by default; a mail server restarted daily does not need them.
            .SetKeepLogFileNum(10);

        // RocksDB refuses to open a database without naming every column family it has, so they are listed first.
        // The listing is only attempted on a folder that holds a database, so that a damaged one reports its own
        // error instead of being taken for an empty folder.
        var existing = File.Exists(System.IO.Path.Combine(settings.Path, "CURRENT"))
            ? RocksDbSharp.RocksDb.ListColumnFamilies(dbOptions, settings.Path).ToList()
            : [];
        var columnFamilies = new ColumnFamilies(familyOptions);
        foreach (var name in existing.Where(name => name != ColumnFamilies.DefaultName))
        {
            columnFamilies.Add(name, familyOptions);
        }

        var db = RocksDbSharp.RocksDb.Open(dbOptions, settings.Path, columnFamilies);
        var families = new ConcurrentDictionary<string, ColumnFamilyHandle>(StringComparer.Ordinal);
        foreach (var name in existing.Where(name => name.StartsWith(FamilyPrefix, StringComparison.Ordinal)))
        {
            families[name[FamilyPrefix.Length..]] = db.GetColumnFamily(name);
        }

        return new RocksDbDatabase(db, families, dbOptions, familyOptions, tableOptions, blockCache);
    }

    /// <summary>The column families of every subspace written so far.</summary>
    public ICollection<ColumnFamilyHandle> Families => families.Values;

    /// <summary>The column family of a subspace, or <see langword="null"/> when nothing was ever written to it.</summary>
    /// <param name="subspace">A valid subspace name.</param>
    /// <returns>The handle, or <see langword="null"/>.</returns>
    public ColumnFamilyHandle? Find(string subspace) => families.TryGetValue(subspace, out var handle) ? handle : null;

    /// <summary>The column family of a subspace, created (durably) when it does not exist yet.</summary>
    /// <param name="subspace">A valid subspace name.</param>
    /// <returns>The handle.</returns>
    public ColumnFamilyHandle FindOrCreate(string subspace)
    {
        if (families.TryGetValue(subspace, out var handle))
        {
            return handle;
        }

        // Only the writer creates column families today; the lock keeps that true should anything else need to.
        lock (createGate)
        {
            if (!families.TryGetValue(subspace, out handle))
            {
                handle = Db.CreateColumnFamily(familyOptions, FamilyPrefix + subspace);
                families[subspace] = handle;
            }

            return handle;
        }
    }

    /// <summary>Takes a lease that keeps the database open until it is disposed.</summary>
    /// <returns>The lease.</returns>
    /// <exception cref="ObjectDisposedException">The database is closing or closed.</exception>
    public Lease Enter()
    {
        Interlocked.Increment(ref users);
        if (Volatile.Read(ref closing) != 0)
        {
            Interlocked.Decrement(ref users);
            throw new ObjectDisposedException(nameof(RocksDbDataStore), "The RocksDB store is closed.");
        }

        return new Lease(this);
    }

    /// <summary>
    /// Refuses new leases, waits for the current ones to end and closes the database. If leases are still held
    /// after <paramref name="patience"/>, the database is left open rather than closed under a running read.
    /// </summary>
    /// <param name="patience">How long to wait for leases to end.</param>
    /// <returns><see langword="true"/> when the database was closed.</returns>
    public async Task<bool> CloseAsync(TimeSpan patience)
    {
        // Interlocked for its full fence: a lease taken after this line sees the flag, one taken before is counted.
        if (Interlocked.Exchange(ref closing, 1) != 0)
        {
            return false;
        }

        var waited = Stopwatch.StartNew();
        while (Volatile.Read(ref users) != 0)
        {
            if (waited.Elapsed > patience)
            {
                return false;
            }

            await Task.Delay(5).ConfigureAwait(false);
        }

        Db.Dispose();
        GC.KeepAlive(dbOptions);
        GC.KeepAlive(familyOptions);
        GC.KeepAlive(tableOptions);
        GC.KeepAlive(blockCache);
        return true;
    }

    /// <summary>Keeps the database open while a native call or an iterator uses it.</summary>
    internal readonly struct Lease : IDisposable
    {
        private readonly RocksDbDatabase? database;

        public Lease(RocksDbDatabase database) => this.database = database;

        public void Dispose()
        {
            if (database is not null)
            {
                Interlocked.Decrement(ref database.users);
            }
        }
    }
}

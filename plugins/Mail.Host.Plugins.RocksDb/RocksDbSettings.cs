using System.Globalization;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.RocksDb;

/// <summary>The settings of one <c>rocksdb</c> store instance, read from its manifest section.</summary>
internal sealed class RocksDbSettings
{
    public const string PathKey = "Path";
    public const string SyncWritesKey = "SyncWrites";
    public const string BlockCacheMegabytesKey = "BlockCacheMegabytes";
    public const string MaxBatchOperationsKey = "MaxBatchOperations";

    public const int DefaultBlockCacheMegabytes = 64;
    public const int DefaultMaxBatchOperations = 256;

    private const int MaxBlockCacheMegabytes = 1024 * 1024;
    private const int MaxMaxBatchOperations = 100_000;

    // "Type" belongs to the host; everything else in the section is ours to check, since the host ignores it.
    private static readonly string[] KnownKeys = ["Type", PathKey, SyncWritesKey, BlockCacheMegabytesKey, MaxBatchOperationsKey];

    /// <summary>The database folder, a full path.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>Whether every commit waits for the write-ahead log to reach the disk.</summary>
    public bool SyncWrites { get; init; } = true;

    /// <summary>The size of the block cache shared by every subspace.</summary>
    public int BlockCacheMegabytes { get; init; } = DefaultBlockCacheMegabytes;

    /// <summary>The most caller batches the writer combines into one database write.</summary>
    public int MaxBatchOperations { get; init; } = DefaultMaxBatchOperations;

    /// <summary>Reads the settings and collects every problem, each a sentence naming the manifest key.</summary>
    /// <param name="context">The store's context.</param>
    /// <param name="problems">Every problem found; empty when the settings are usable.</param>
    /// <returns>The settings; meaningful only when there are no problems.</returns>
    public static RocksDbSettings Read(StoreContext context, out List<string> problems)
    {
        problems = [];
        var prefix = $"Stores:{context.Name}";
        var settings = context.Settings;

        foreach (var child in settings.GetChildren())
        {
            if (!KnownKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:{child.Key} is not a setting of the rocksdb store; its settings are {PathKey}, {SyncWritesKey}, {BlockCacheMegabytesKey} and {MaxBatchOperationsKey}.");
            }
        }

        var path = string.Empty;
        var rawPath = settings[PathKey];
        if (string.IsNullOrWhiteSpace(rawPath))
        {
            problems.Add($"{prefix}:{PathKey} is missing; set it to a folder such as data/rocksdb (absolute, or relative to the manifest's folder).");
        }
        else
        {
            try
            {
                path = context.ResolvePath(rawPath);
                if (File.Exists(path))
                {
                    problems.Add($"{prefix}:{PathKey} '{path}' is a file; it must be a folder that holds only this database (it is created when missing).");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                problems.Add($"{prefix}:{PathKey} '{rawPath}' is not a usable path: {ex.Message}");
            }
        }

        var syncWrites = true;
        var rawSync = settings[SyncWritesKey];
        if (!string.IsNullOrWhiteSpace(rawSync) && !bool.TryParse(rawSync, out syncWrites))
        {
            problems.Add($"{prefix}:{SyncWritesKey} '{rawSync}' is not true or false; leave it out (true) unless the data may be lost on a crash.");
        }

        var blockCache = ReadInt(settings[BlockCacheMegabytesKey], $"{prefix}:{BlockCacheMegabytesKey}", DefaultBlockCacheMegabytes, 1, MaxBlockCacheMegabytes, "megabytes of block cache", problems);
        var maxBatch = ReadInt(settings[MaxBatchOperationsKey], $"{prefix}:{MaxBatchOperationsKey}", DefaultMaxBatchOperations, 1, MaxMaxBatchOperations, "batches combined into one write", problems);

        return new RocksDbSettings
        {
            Path = path,
            SyncWrites = syncWrites,
            BlockCacheMegabytes = blockCache,
            MaxBatchOperations = maxBatch,
        };
    }

    private static int ReadInt(string? raw, string key, int fallback, int min, int max, string meaning, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add($"{key} '{raw}' is not a whole number from {min} to {max} ({meaning}); leave it out for {fallback}.");
        return fallback;
    }
}

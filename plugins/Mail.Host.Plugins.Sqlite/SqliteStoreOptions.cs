using System.Globalization;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>The settings of one <c>sqlite</c> store instance, read from its manifest section.</summary>
internal sealed class SqliteStoreOptions
{
    /// <summary>The settings key naming the database file.</summary>
    public const string PathSetting = "Path";

    /// <summary>The settings key for the page cache size of each connection, in megabytes.</summary>
    public const string CacheMegabytesSetting = "CacheMegabytes";

    /// <summary>The largest <see cref="CacheMegabytesSetting"/> accepted.</summary>
    public const int MaxCacheMegabytes = 65_536;

    /// <summary>How long a statement waits for a lock held by another process before the store reports itself unavailable.</summary>
    public const int BusyTimeoutSeconds = 5;

    private static readonly string[] KnownSettings = ["Type", PathSetting, CacheMegabytesSetting];

    private SqliteStoreOptions(string databasePath, int? cacheMegabytes)
    {
        DatabasePath = databasePath;
        CacheMegabytes = cacheMegabytes;
    }

    /// <summary>The database file's full path.</summary>
    public string DatabasePath { get; }

    /// <summary>The page cache of each connection, in megabytes; <see langword="null"/> for SQLite's default.</summary>
    public int? CacheMegabytes { get; }

    /// <summary>Reads the settings of an instance.</summary>
    /// <param name="context">The instance.</param>
    /// <param name="problems">Every problem found, each a sentence naming the key and the fix.</param>
    /// <returns>The options, or <see langword="null"/> when there are problems.</returns>
    public static SqliteStoreOptions? Read(StoreContext context, out List<string> problems)
    {
        problems = [];
        var section = $"Stores:{context.Name}";

        foreach (var child in context.Settings.GetChildren())
        {
            if (!KnownSettings.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{section}:{child.Key} is not a setting of the sqlite store type; its settings are {PathSetting} and {CacheMegabytesSetting}.");
            }
        }

        string? databasePath = null;
        var path = context.Settings[PathSetting];
        if (string.IsNullOrWhiteSpace(path))
        {
            problems.Add($"{section}:{PathSetting} is missing; set it to a file such as data/mail.sqlite (absolute, or relative to the manifest's folder).");
        }
        else
        {
            try
            {
                databasePath = context.ResolvePath(path);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                problems.Add($"{section}:{PathSetting} '{path}' is not a usable path ({ex.Message}); set it to a file such as data/mail.sqlite.");
            }

            if (databasePath is not null && (System.IO.Directory.Exists(databasePath) || EndsWithSeparator(path)))
            {
                problems.Add($"{section}:{PathSetting} '{databasePath}' is a folder; it must name the database file, such as {Path.Combine(path, "mail.sqlite")}.");
                databasePath = null;
            }
        }

        int? cacheMegabytes = null;
        var cache = context.Settings[CacheMegabytesSetting];
        if (cache is not null)
        {
            if (int.TryParse(cache, NumberStyles.None, CultureInfo.InvariantCulture, out var megabytes) && megabytes is >= 1 and <= MaxCacheMegabytes)
            {
                cacheMegabytes = megabytes;
            }
            else
            {
                problems.Add($"{section}:{CacheMegabytesSetting} '{cache}' is not a whole number of megabytes from 1 to {MaxCacheMegabytes}; remove it to use SQLite's default cache.");
            }
        }

        return problems.Count == 0 && databasePath is not null ? new(databasePath, cacheMegabytes) : null;
    }

    private static bool EndsWithSeparator(string path)
        => path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar);
}

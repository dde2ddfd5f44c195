using Mail.Host.Storage;
using Microsoft.Data.Sqlite;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// Opens <c>sqlite</c> store instances: the data role in one local SQLite database file. Settings: <c>Path</c>
/// (required), the database file, absolute or relative to the manifest's folder, its folder created when missing;
/// <c>CacheMegabytes</c> (optional), the page cache of each connection. A file must be used by one instance only.
/// </summary>
public sealed class SqliteStoreProvider : IStoreProvider
{
    /// <summary>The settings key that names the database file.</summary>
    public const string PathSetting = SqliteStoreOptions.PathSetting;

    /// <summary>The settings key for the page cache of each connection, in megabytes.</summary>
    public const string CacheMegabytesSetting = SqliteStoreOptions.CacheMegabytesSetting;

    /// <inheritdoc />
    public string Type => "sqlite";

    /// <inheritdoc />
    public StoreRoles Roles => StoreRoles.Data;

    /// <inheritdoc />
    public IEnumerable<string> Validate(StoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        SqliteStoreOptions.Read(context, out var problems);
        return problems;
    }

    /// <inheritdoc />
    public ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var options = SqliteStoreOptions.Read(context, out var problems)
            ?? throw new InvalidOperationException(string.Join(" ", problems));

        try
        {
            return ValueTask.FromResult<IStoreInstance>(new SqliteStoreInstance(SqliteDataStore.Open(options), new SqliteSqlQueryStore(options)));
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Store '{context.Name}' cannot open the SQLite database '{options.DatabasePath}': {ex.Message}", ex);
        }
    }
}

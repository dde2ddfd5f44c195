using Mail.Host.Plugins.SqlStore;
using Mail.Host.Storage;
using MySqlConnector;

namespace Mail.Host.Plugins.MySql;

/// <summary>
/// Opens <c>mysql</c> store instances: the data role (and <see cref="ISqlQueryStore"/>) in a MySQL or MariaDB
/// database (InnoDB), shared safely by several host processes. Settings: <c>ConnectionString</c>, or <c>Host</c>,
/// <c>Port</c>, <c>Database</c> and <c>User</c>; the password in the connection string, <c>Password</c>,
/// <c>PasswordFile</c> or <c>PasswordEnvironmentVariable</c>; <c>TablePrefix</c> (default <c>mailhost_</c>),
/// <c>MaxPoolSize</c>, and <c>FullText</c>: <c>native</c> makes the instance serve the full-text role with a FULLTEXT
/// index (the default, <c>engine</c>, leaves that role to the engine's index over the data role).
/// </summary>
public sealed class MySqlStoreProvider : IStoreProvider
{
    /// <summary>The store type.</summary>
    public const string StoreType = "mysql";

    /// <inheritdoc />
    public string Type => StoreType;

    /// <inheritdoc />
    public StoreRoles Roles => StoreRoles.Data | StoreRoles.Blob | StoreRoles.FullText;

    /// <inheritdoc />
    public IEnumerable<string> Validate(StoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Read(context, out var problems);
        return problems;
    }

    /// <inheritdoc />
    public async ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = Read(context, out var problems) ?? throw new InvalidOperationException(string.Join(" ", problems));
        var dialect = new MySqlDialect(BuildConnectionString(settings), settings.TablePrefix);
        try
        {
            return await SqlStoreOpener.OpenAsync(dialect, settings.NativeFullText, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await dialect.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Builds the driver's connection string from the settings.</summary>
    /// <param name="settings">The checked settings.</param>
    /// <returns>The connection string.</returns>
    internal static string BuildConnectionString(SqlStoreSettings settings)
    {
        var builder = new MySqlConnectionStringBuilder(settings.ConnectionString ?? string.Empty);
        if (settings.ConnectionString is null)
        {
            builder.Server = settings.Host;
            builder.Database = settings.Database;
            builder.UserID = settings.User;
            if (settings.Port is { } port)
            {
                builder.Port = (uint)port;
            }
        }

        if (settings.Password is not null)
        {
            builder.Password = settings.Password;
        }

        if (settings.MaxPoolSize is { } pool)
        {
            builder.MaximumPoolSize = (uint)pool;
        }

        return builder.ConnectionString;
    }

    private static SqlStoreSettings? Read(StoreContext context, out List<string> problems)
        => SqlStoreSettings.Read(context, StoreType, withSchema: false, CheckConnectionString, out problems);

    private static string? CheckConnectionString(string text)
    {
        try
        {
            var builder = new MySqlConnectionStringBuilder(text);
            return string.IsNullOrEmpty(builder.Server) ? "it names no Server."
                : string.IsNullOrEmpty(builder.Database) ? "it names no Database; the store keeps its tables in one database, which must exist."
                : null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            return ex.Message;
        }
    }
}

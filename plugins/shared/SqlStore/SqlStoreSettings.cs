using System.Globalization;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>
/// The settings of one SQL store instance, read from its manifest section: where the server is (a
/// <c>ConnectionString</c>, or <c>Host</c>, <c>Port</c>, <c>Database</c> and <c>User</c>), the password (in the
/// connection string, <c>Password</c>, <c>PasswordFile</c> or <c>PasswordEnvironmentVariable</c>), and where the
/// tables go (<c>TablePrefix</c>, and <c>Schema</c> where the server has schemas).
/// </summary>
internal sealed class SqlStoreSettings
{
    /// <summary>A full connection string in the driver's syntax.</summary>
    public const string ConnectionStringSetting = "ConnectionString";

    /// <summary>The server's host name or address.</summary>
    public const string HostSetting = "Host";

    /// <summary>The server's port.</summary>
    public const string PortSetting = "Port";

    /// <summary>The database name.</summary>
    public const string DatabaseSetting = "Database";

    /// <summary>The user name.</summary>
    public const string UserSetting = "User";

    /// <summary>The password itself.</summary>
    public const string PasswordSetting = "Password";

    /// <summary>A file whose content (without a trailing line break) is the password.</summary>
    public const string PasswordFileSetting = "PasswordFile";

    /// <summary>An environment variable holding the password.</summary>
    public const string PasswordEnvironmentVariableSetting = "PasswordEnvironmentVariable";

    /// <summary>The prefix of every table the store makes.</summary>
    public const string TablePrefixSetting = "TablePrefix";

    /// <summary>The schema the tables go in (PostgreSQL).</summary>
    public const string SchemaSetting = "Schema";

    /// <summary>The most pooled connections.</summary>
    public const string MaxPoolSizeSetting = "MaxPoolSize";

    /// <summary>
    /// How the store serves the full-text role: <c>engine</c> (the default: the engine's own index, kept in the data
    /// role's tables) or <c>native</c> (the server's own full-text search: tsvector with a GIN index on PostgreSQL, a
    /// FULLTEXT index on MySQL/MariaDB).
    /// </summary>
    public const string FullTextSetting = "FullText";

    /// <summary>The table prefix when none is set.</summary>
    public const string DefaultTablePrefix = "mailhost_";

    /// <summary>The most connections <see cref="MaxPoolSizeSetting"/> accepts.</summary>
    public const int MaxPoolSizeLimit = 1000;

    private SqlStoreSettings()
    {
    }

    /// <summary>The connection string as written, or <see langword="null"/> when the separate keys are used.</summary>
    public string? ConnectionString { get; private init; }

    /// <summary>The host, when set.</summary>
    public string? Host { get; private init; }

    /// <summary>The port, when set.</summary>
    public int? Port { get; private init; }

    /// <summary>The database, when set.</summary>
    public string? Database { get; private init; }

    /// <summary>The user, when set.</summary>
    public string? User { get; private init; }

    /// <summary>The password from <c>Password</c>, the file or the variable; <see langword="null"/> to keep the connection string's.</summary>
    public string? Password { get; private init; }

    /// <summary>The table prefix.</summary>
    public string TablePrefix { get; private init; } = DefaultTablePrefix;

    /// <summary>The schema, when the server has schemas and one is set.</summary>
    public string? Schema { get; private init; }

    /// <summary>The most pooled connections, when set.</summary>
    public int? MaxPoolSize { get; private init; }

    /// <summary>Reads and checks an instance's settings.</summary>
    /// <param name="context">The instance.</param>
    /// <param name="type">The store type, for messages.</param>
    /// <param name="withSchema">Whether the <c>Schema</c> key is a setting of this type.</param>
    /// <param name="checkConnectionString">Parses a connection string, returning why it is not usable or <see langword="null"/>.</param>
    /// <param name="problems">Every problem found, each naming the key.</param>
    /// <returns>The settings, or <see langword="null"/> when there are problems.</returns>
    public static SqlStoreSettings? Read(StoreContext context, string type, bool withSchema, Func<string, string?> checkConnectionString, out List<string> problems)
    {
        problems = [];
        var section = $"Stores:{context.Name}";
        string[] known = withSchema
            ? ["Type", ConnectionStringSetting, HostSetting, PortSetting, DatabaseSetting, UserSetting, PasswordSetting, PasswordFileSetting, PasswordEnvironmentVariableSetting, TablePrefixSetting, SchemaSetting, MaxPoolSizeSetting, FullTextSetting]
            : ["Type", ConnectionStringSetting, HostSetting, PortSetting, DatabaseSetting, UserSetting, PasswordSetting, PasswordFileSetting, PasswordEnvironmentVariableSetting, TablePrefixSetting, MaxPoolSizeSetting, FullTextSetting];
        foreach (var child in context.Settings.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{section}:{child.Key} is not a setting of the {type} store type; its settings are {string.Join(", ", known.Skip(1))}.");
            }
        }

        string? Value(string key) => string.IsNullOrWhiteSpace(context.Settings[key]) ? null : context.Settings[key]!.Trim();

        var connectionString = Value(ConnectionStringSetting);
        var host = Value(HostSetting);
        var portText = Value(PortSetting);
        var database = Value(DatabaseSetting);
        var user = Value(UserSetting);
        int? port = null;
        if (connectionString is not null)
        {
            foreach (var key in new[] { HostSetting, PortSetting, DatabaseSetting, UserSetting })
            {
                if (Value(key) is not null)
                {
                    problems.Add($"{section}:{key} is set beside {section}:{ConnectionStringSetting}; put the server in one or the other.");
                }
            }

            if (checkConnectionString(connectionString) is { } why)
            {
                problems.Add($"{section}:{ConnectionStringSetting} is not a usable {type} connection string: {why}");
            }
        }
        else
        {
            if (host is null)
            {
                problems.Add($"{section}:{HostSetting} is missing; set it to the server's host name or address, or set {section}:{ConnectionStringSetting} instead.");
            }

            if (database is null)
            {
                problems.Add($"{section}:{DatabaseSetting} is missing; set it to the name of the database the store uses (it must exist).");
            }

            if (user is null)
            {
                problems.Add($"{section}:{UserSetting} is missing; set it to the user the store connects as.");
            }

            if (portText is not null)
            {
                if (int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535)
                {
                    port = number;
                }
                else
                {
                    problems.Add($"{section}:{PortSetting} '{portText}' is not a port number from 1 to 65535.");
                }
            }
        }

        var password = ReadPassword(context, section, Value(PasswordSetting), Value(PasswordFileSetting), Value(PasswordEnvironmentVariableSetting), problems);

        var prefix = context.Settings[TablePrefixSetting] is { } prefixText ? prefixText.Trim() : DefaultTablePrefix;
        if (!IsIdentifier(prefix, allowEmpty: true))
        {
            problems.Add($"{section}:{TablePrefixSetting} '{prefix}' is not a usable table prefix: use up to 32 characters of a-z, 0-9 and '_', starting with a letter (or leave it empty).");
        }

        string? schema = null;
        if (withSchema && Value(SchemaSetting) is { } schemaText)
        {
            if (IsIdentifier(schemaText, allowEmpty: false))
            {
                schema = schemaText;
            }
            else
            {
                problems.Add($"{section}:{SchemaSetting} '{schemaText}' is not a usable schema name: use 1 to 32 characters of a-z, 0-9 and '_', starting with a letter.");
            }
        }

        int? maxPoolSize = null;
        if (Value(MaxPoolSizeSetting) is { } poolText)
        {
            if (int.TryParse(poolText, NumberStyles.None, CultureInfo.InvariantCulture, out var pool) && pool is >= 1 and <= MaxPoolSizeLimit)
            {
                maxPoolSize = pool;
            }
            else
            {
                problems.Add($"{section}:{MaxPoolSizeSetting} '{poolText}' is not a whole number of connections from 1 to {MaxPoolSizeLimit}.");
            }
        }

        var nativeFullText = false;
        if (Value(FullTextSetting) is { } fullText)
        {
            if (string.Equals(fullText, "native", StringComparison.OrdinalIgnoreCase))
            {
                nativeFullText = true;
            }
            else if (!string.Equals(fullText, "engine", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{section}:{FullTextSetting} '{fullText}' is not a full-text mode: use 'engine' (the engine's index in the data tables, the default) or 'native' (the {type} server's own full-text search).");
            }
        }

        if (problems.Count > 0)
        {
            return null;
        }

        return new SqlStoreSettings
        {
            ConnectionString = connectionString,
            Host = host,
            Port = port,
            Database = database,
            User = user,
            Password = password,
            TablePrefix = prefix,
            Schema = schema,
            MaxPoolSize = maxPoolSize,
            NativeFullText = nativeFullText,
        };
    }

    /// <summary>Whether the full-text role is served by the server's own full-text search (<see cref="FullTextSetting"/> is <c>native</c>).</summary>
    public bool NativeFullText { get; private init; }

    /// <summary>Whether a name can be written into SQL as a table prefix or schema name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="allowEmpty">Whether the empty name is accepted.</param>
    /// <returns><see langword="true"/> when it can.</returns>
    public static bool IsIdentifier(string name, bool allowEmpty)
        => name.Length == 0 ? allowEmpty : SubspaceName.IsValid(name);

    private static string? ReadPassword(StoreContext context, string section, string? password, string? file, string? variable, List<string> problems)
    {
        var sources = new[] { (PasswordSetting, password), (PasswordFileSetting, file), (PasswordEnvironmentVariableSetting, variable) }
            .Where(source => source.Item2 is not null)
            .Select(source => source.Item1)
            .ToList();
        if (sources.Count > 1)
        {
            problems.Add($"{section}: {string.Join(" and ", sources)} are both set; give the password one way only.");
            return null;
        }

        if (file is not null)
        {
            var path = context.ResolvePath(file);
            try
            {
                return File.ReadAllText(path).TrimEnd('\r', '\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                problems.Add($"{section}:{PasswordFileSetting} '{path}' cannot be read ({ex.Message}); point it at a file holding the password.");
                return null;
            }
        }

        if (variable is not null)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (value is null)
            {
                problems.Add($"{section}:{PasswordEnvironmentVariableSetting} names the environment variable '{variable}', which is not set; set it to the password before starting.");
            }

            return value;
        }

        return password;
    }
}

using Mail.Host.Plugins.MySql;
using Mail.Host.Plugins.PostgreSql;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>The settings checks of the <c>postgresql</c> and <c>mysql</c> store types; no server is needed.</summary>
public sealed class SqlStoreSettingsTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "mail-host-tests", "sql-settings-" + Guid.NewGuid().ToString("N"));

    public SqlStoreSettingsTests() => System.IO.Directory.CreateDirectory(folder);

    public static TheoryData<string> Types => new() { "postgresql", "mysql" };

    /// <inheritdoc />
    public void Dispose() => System.IO.Directory.Delete(folder, recursive: true);

    [Theory]
    [MemberData(nameof(Types))]
    public void Separate_keys_or_a_connection_string_are_accepted(string type)
    {
        Assert.Empty(Validate(type, ("Host", "db.example"), ("Port", "5432"), ("Database", "mail"), ("User", "mail"), ("Password", "secret")));
        Assert.Empty(Validate(type, ("ConnectionString", ConnectionString(type)), ("TablePrefix", "mh_"), ("MaxPoolSize", "20")));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Nothing_naming_the_server_is_reported_key_by_key(string type)
    {
        var problems = Validate(type);

        Assert.Contains(problems, p => p.StartsWith("Stores:main:Host is missing", StringComparison.Ordinal) && p.Contains("ConnectionString", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Stores:main:Database is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Stores:main:User is missing", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Bad_values_are_reported_naming_the_key(string type)
    {
        var problems = Validate(type, ("Host", "db"), ("Database", "mail"), ("User", "u"), ("Port", "99999"), ("TablePrefix", "Bad-Prefix"), ("MaxPoolSize", "0"), ("Colour", "blue"));

        Assert.Contains(problems, p => p.StartsWith("Stores:main:Port '99999'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Stores:main:TablePrefix 'Bad-Prefix'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Stores:main:MaxPoolSize '0'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith($"Stores:main:Colour is not a setting of the {type} store type", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void The_full_text_mode_is_engine_or_native(string type)
    {
        Assert.Empty(Validate(type, ("ConnectionString", ConnectionString(type)), ("FullText", "native")));
        Assert.Empty(Validate(type, ("ConnectionString", ConnectionString(type)), ("FullText", "Engine")));

        var problems = Validate(type, ("ConnectionString", ConnectionString(type)), ("FullText", "elastic"));
        Assert.Contains(problems, p => p.StartsWith("Stores:main:FullText 'elastic' is not a full-text mode", StringComparison.Ordinal) && p.Contains("'native'", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void A_connection_string_and_separate_keys_together_are_refused(string type)
    {
        var problems = Validate(type, ("ConnectionString", ConnectionString(type)), ("Host", "other"));

        Assert.Contains(problems, p => p.StartsWith("Stores:main:Host is set beside Stores:main:ConnectionString", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void The_password_comes_from_one_source_a_file_or_a_variable(string type)
    {
        var file = Path.Combine(folder, "password");
        File.WriteAllText(file, "from-file\n");
        Assert.Empty(Validate(type, ("ConnectionString", ConnectionString(type)), ("PasswordFile", "password")));

        var variable = "MAILHOST_TEST_PASSWORD_" + Guid.NewGuid().ToString("N");
        Assert.Contains(Validate(type, ("ConnectionString", ConnectionString(type)), ("PasswordEnvironmentVariable", variable)),
            p => p.StartsWith("Stores:main:PasswordEnvironmentVariable", StringComparison.Ordinal) && p.Contains(variable, StringComparison.Ordinal));
        Environment.SetEnvironmentVariable(variable, "from-variable");
        try
        {
            Assert.Empty(Validate(type, ("ConnectionString", ConnectionString(type)), ("PasswordEnvironmentVariable", variable)));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Assert.Contains(Validate(type, ("ConnectionString", ConnectionString(type)), ("PasswordFile", "missing")), p => p.StartsWith("Stores:main:PasswordFile", StringComparison.Ordinal));
        Assert.Contains(Validate(type, ("ConnectionString", ConnectionString(type)), ("Password", "a"), ("PasswordFile", "password")), p => p.Contains("Password and PasswordFile", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_postgresql_has_a_schema_setting()
    {
        Assert.Empty(Validate("postgresql", ("ConnectionString", ConnectionString("postgresql")), ("Schema", "mail")));
        Assert.Contains(Validate("postgresql", ("ConnectionString", ConnectionString("postgresql")), ("Schema", "Mail Data")), p => p.StartsWith("Stores:main:Schema 'Mail Data'", StringComparison.Ordinal));
        Assert.Contains(Validate("mysql", ("ConnectionString", ConnectionString("mysql")), ("Schema", "mail")), p => p.StartsWith("Stores:main:Schema is not a setting", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void A_connection_string_the_driver_cannot_read_is_reported(string type)
    {
        var problems = Validate(type, ("ConnectionString", "NoSuchOption=1"));

        Assert.Contains(problems, p => p.StartsWith($"Stores:main:ConnectionString is not a usable {type} connection string", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Opening_with_bad_settings_fails_with_the_problems(string type)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () => await Provider(type).OpenAsync(Context(type), CancellationToken.None));

        Assert.Contains("Stores:main:Host is missing", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_providers_offer_their_types()
    {
        Assert.Equal("postgresql", new PostgreSqlStoreProvider().Type);
        Assert.Equal("mysql", new MySqlStoreProvider().Type);
        Assert.Equal(StoreRoles.Data, new PostgreSqlStoreProvider().Roles & StoreRoles.Data);
        Assert.Equal(StoreRoles.Data, new MySqlStoreProvider().Roles & StoreRoles.Data);
    }

    private static string ConnectionString(string type) => type == "postgresql"
        ? "Host=db.example;Port=5432;Username=mail;Database=mail"
        : "Server=db.example;Port=3306;User ID=mail;Database=mail";

    private static IStoreProvider Provider(string type) => type == "postgresql" ? new PostgreSqlStoreProvider() : new MySqlStoreProvider();

    private List<string> Validate(string type, params (string Key, string Value)[] settings)
        => Provider(type).Validate(Context(type, settings)).ToList();

    private StoreContext Context(string type, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?> { ["Type"] = type };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return new StoreContext
        {
            Name = "main",
            Settings = new ConfigurationBuilder().AddInMemoryCollection(values).Build(),
            BaseDirectory = folder,
            Services = new ServiceCollection().BuildServiceProvider(),
        };
    }
}

using Mail.Host.Plugins.Sqlite;
using Mail.Host.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Tests;

/// <summary>A scratch folder standing for a manifest's folder, with contexts for a <c>sqlite</c> store named <c>main</c>.</summary>
internal sealed class SqliteTestFolder : IDisposable
{
    /// <summary>The <c>Path</c> setting most tests use.</summary>
    public const string DefaultPath = "data/mail.sqlite";

    public SqliteTestFolder()
    {
        FullPath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mail-host-tests", "sqlite-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(FullPath);
    }

    /// <summary>The folder's full path.</summary>
    public string FullPath { get; }

    /// <summary>The database file <see cref="DefaultPath"/> points at.</summary>
    public string DatabasePath => System.IO.Path.Combine(FullPath, "data", "mail.sqlite");

    /// <summary>A context for the store <c>main</c>.</summary>
    /// <param name="settings">Settings besides <c>Type</c>; <c>Path</c> is left out unless given.</param>
    /// <returns>The context.</returns>
    public StoreContext Context(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?> { ["Type"] = "sqlite" };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return new StoreContext
        {
            Name = "main",
            Settings = new ConfigurationBuilder().AddInMemoryCollection(values).Build(),
            BaseDirectory = FullPath,
            Services = new ServiceCollection().BuildServiceProvider(),
        };
    }

    /// <summary>Opens the store at <see cref="DefaultPath"/>.</summary>
    /// <returns>The open instance.</returns>
    public ValueTask<IStoreInstance> OpenAsync()
        => new SqliteStoreProvider().OpenAsync(Context(("Path", DefaultPath)), CancellationToken.None);

    /// <summary>A connection of the test's own to the database, outside the store.</summary>
    /// <returns>The open connection.</returns>
    public SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(FullPath, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone is what was wanted.
        }
    }
}

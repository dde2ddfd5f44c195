using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Tests.Services;

/// <summary>
/// A place of its own in a test server's database for one test: a new schema (PostgreSQL) or table prefix
/// (MariaDB), removed with everything in it when the test ends.
/// </summary>
internal abstract class SqlTestDatabase : IAsyncDisposable
{
    /// <summary>The store type.</summary>
    public abstract string Type { get; }

    /// <summary>The provider of the store type.</summary>
    public abstract IStoreProvider Provider { get; }

    /// <summary>The test server's connection string, from the environment.</summary>
    public abstract string ConnectionString { get; }

    /// <summary>The settings that put a store in this test's own place (a schema or a table prefix).</summary>
    public abstract (string Key, string Value)[] PlaceSettings { get; }

    /// <summary>A connection string to the same server through another port (a proxy in front of it).</summary>
    /// <param name="port">The port.</param>
    /// <returns>The connection string.</returns>
    public abstract string ThroughPort(int port);

    /// <summary>The server's host and port.</summary>
    public abstract (string Host, int Port) Server { get; }

    /// <summary>A context for a store named <c>main</c> with the given settings besides <c>Type</c>.</summary>
    /// <param name="settings">The settings.</param>
    /// <returns>The context.</returns>
    public StoreContext Context(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?> { ["Type"] = Type };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return new StoreContext
        {
            Name = "main",
            Settings = new ConfigurationBuilder().AddInMemoryCollection(values).Build(),
            BaseDirectory = Path.GetTempPath(),
            Services = new ServiceCollection().BuildServiceProvider(),
        };
    }

    /// <summary>Opens a store in this test's place.</summary>
    /// <param name="settings">More settings.</param>
    /// <returns>The open instance.</returns>
    public ValueTask<IStoreInstance> OpenAsync(params (string Key, string Value)[] settings)
        => Provider.OpenAsync(Context([("ConnectionString", ConnectionString), .. PlaceSettings, .. settings]), CancellationToken.None);

    /// <summary>Opens a store in this test's place through another port.</summary>
    /// <param name="port">The port.</param>
    /// <returns>The open instance.</returns>
    public ValueTask<IStoreInstance> OpenThroughAsync(int port)
        => Provider.OpenAsync(Context([("ConnectionString", ThroughPort(port)), .. PlaceSettings]), CancellationToken.None);

    /// <summary>Runs SQL as the test's own connection (not through a store).</summary>
    /// <param name="sql">The statement.</param>
    /// <returns>The first column of the first row, or <see langword="null"/>.</returns>
    public abstract Task<object?> ScalarAsync(string sql);

    /// <summary>Removes this test's place and everything in it.</summary>
    /// <returns>A task that completes when it is gone.</returns>
    public abstract ValueTask DisposeAsync();

    /// <summary>A short unique name.</summary>
    /// <returns>The name.</returns>
    protected static string UniqueName() => "t" + Guid.NewGuid().ToString("N")[..16];
}

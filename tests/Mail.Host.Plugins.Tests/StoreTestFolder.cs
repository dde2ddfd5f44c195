using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Tests;

/// <summary>A scratch folder standing for a manifest's folder, with contexts for a store named <c>main</c> of one type.</summary>
internal abstract class StoreTestFolder : IDisposable
{
    private readonly string storeType;
    private readonly IStoreProvider provider;

    protected StoreTestFolder(IStoreProvider provider, string defaultPath)
    {
        this.provider = provider;
        storeType = provider.Type;
        DefaultPath = defaultPath;
        FullPath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mail-host-tests", storeType + "-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(FullPath);
    }

    /// <summary>The <c>Path</c> setting most tests use.</summary>
    public string DefaultPath { get; }

    /// <summary>The folder's full path.</summary>
    public string FullPath { get; }

    /// <summary>The database <see cref="DefaultPath"/> points at.</summary>
    public string DatabasePath => System.IO.Path.GetFullPath(DefaultPath, FullPath);

    /// <summary>A context for the store <c>main</c>.</summary>
    /// <param name="settings">Settings besides <c>Type</c>; <c>Path</c> is left out unless given.</param>
    /// <returns>The context.</returns>
    public StoreContext Context(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?> { ["Type"] = storeType };
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
    /// <param name="settings">Settings besides <c>Type</c> and <c>Path</c>.</param>
    /// <returns>The open instance.</returns>
    public ValueTask<IStoreInstance> OpenAsync(params (string Key, string Value)[] settings)
        => provider.OpenAsync(Context([("Path", DefaultPath), .. settings]), CancellationToken.None);

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

using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Engine.Tests;

/// <summary>A scratch folder standing for a manifest's folder, where an embedded store of one test lives.</summary>
internal sealed class MailEngineStoreFolder : IDisposable
{
    private IStoreInstance? instance;

    public MailEngineStoreFolder(string type)
    {
        Type = type;
        FullPath = Path.Combine(Path.GetTempPath(), "mail-host-tests", "engine-" + type + "-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(FullPath);
    }

    public string Type { get; }

    public string FullPath { get; }

    /// <summary>The open instance, serving the data role and maybe the blob role.</summary>
    public IStoreInstance Instance => instance ?? throw new InvalidOperationException("The store is not open.");

    /// <summary>Opens the store with the provider of its type and a <c>Path</c> inside the folder.</summary>
    public async ValueTask<IDataStore> OpenAsync(IStoreProvider provider, string path)
    {
        var context = new StoreContext
        {
            Name = "main",
            Settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Type"] = Type, ["Path"] = path }).Build(),
            BaseDirectory = FullPath,
            Services = new ServiceCollection().BuildServiceProvider(),
        };
        instance = await provider.OpenAsync(context, CancellationToken.None);
        return instance.Data ?? throw new InvalidOperationException($"The {Type} store does not serve the data role.");
    }

    public async ValueTask CloseAsync()
    {
        if (instance is not null)
        {
            await instance.DisposeAsync();
            instance = null;
        }
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

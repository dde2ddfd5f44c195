using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Tests;

/// <summary>A scratch folder for one test, removed afterwards, and store contexts that point into it.</summary>
internal sealed class FileSystemTestFolder : IDisposable
{
    public FileSystemTestFolder()
    {
        FullPath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mail-host-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(FullPath);
    }

    /// <summary>The folder's full path.</summary>
    public string FullPath { get; }

    /// <summary>A context for a store named <c>blobs</c> whose manifest lives in this folder.</summary>
    /// <param name="path">The <c>Path</c> setting, or <see langword="null"/> to leave it out.</param>
    /// <returns>The context.</returns>
    public StoreContext Context(string? path)
    {
        var settings = new Dictionary<string, string?> { ["Type"] = "filesystem" };
        if (path is not null)
        {
            settings["Path"] = path;
        }

        return new StoreContext
        {
            Name = "blobs",
            Settings = new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
            BaseDirectory = FullPath,
            Services = new ServiceCollection().BuildServiceProvider(),
        };
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

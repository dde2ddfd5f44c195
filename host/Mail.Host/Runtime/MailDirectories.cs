using Mail.Host.Directory;
using Mail.Host.Manifest;
using Mail.Host.Startup;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Runtime;

/// <summary>The open directories, by manifest name, and the one that authenticates.</summary>
internal sealed class MailDirectories(ILogger<MailDirectories> logger) : IMailDirectories, IAsyncDisposable
{
    private readonly Dictionary<string, IDirectory> directories = new(StringComparer.OrdinalIgnoreCase);
    private string? authentication;

    public IDirectory Authentication => authentication is not null && directories.TryGetValue(authentication, out var directory)
        ? directory
        : throw new InvalidOperationException("No directory authenticates: set Authentication:Directory in the manifest to a directory of the Directories section.");

    public IDirectory? Find(string name) => directories.GetValueOrDefault(name);

    public async Task OpenAsync(HostManifest manifest, ProviderRegistry registry, IServiceProvider services, CancellationToken cancellationToken)
    {
        foreach (var entry in manifest.Directories.Values)
        {
            var (provider, plugin) = registry.Directories[entry.Type];
            try
            {
                directories[entry.Name] = await provider.OpenAsync(ProviderRegistry.DirectoryContextFor(manifest, entry, services), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new StartupException(new StartupProblem(
                    $"the directory '{entry.Name}' (type '{entry.Type}') could not be opened: {ex.GetType().Name}: {ex.Message}",
                    manifest.FilePath,
                    $"check Directories:{entry.Name} in {manifest.FilePath} and that its backend is reachable",
                    plugin.Id));
            }

            logger.LogInformation("Opened directory {Directory} of type {DirectoryType} from plugin {Plugin}", entry.Name, entry.Type, plugin.Id);
        }

        authentication = manifest.AuthenticationDirectory;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var directory in directories.Values.OfType<IAsyncDisposable>())
        {
            await directory.DisposeAsync().ConfigureAwait(false);
        }

        directories.Clear();
    }
}

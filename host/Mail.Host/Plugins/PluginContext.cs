using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins;

/// <summary>The host's <see cref="IPluginContext"/> for one plugin.</summary>
internal sealed class PluginContext(string pluginId, string version, string pluginDirectory, string manifestDirectory, IConfiguration settings) : IPluginContext
{
    public string PluginId { get; } = pluginId;

    public string Version { get; } = version;

    public string PluginDirectory { get; } = pluginDirectory;

    public string ManifestDirectory { get; } = manifestDirectory;

    public IConfiguration Settings { get; } = settings;

    public string ResolvePath(string path) => Path.GetFullPath(path, ManifestDirectory);
}

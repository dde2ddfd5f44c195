using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins;

/// <summary>What the host tells a plugin about itself while it registers its services.</summary>
public interface IPluginContext
{
    /// <summary>The plugin's id, as in its descriptor and the manifest's <c>Plugins</c> section.</summary>
    string PluginId { get; }

    /// <summary>The plugin's version, as in its descriptor.</summary>
    string Version { get; }

    /// <summary>The full path of the plugin's folder.</summary>
    string PluginDirectory { get; }

    /// <summary>The full path of the folder holding the manifest; relative paths resolve against it.</summary>
    string ManifestDirectory { get; }

    /// <summary>The plugin's own configuration: the manifest section <c>Plugins:&lt;id&gt;:Settings</c>.</summary>
    IConfiguration Settings { get; }

    /// <summary>Resolves a path from the manifest against the manifest's folder; absolute paths stay as they are.</summary>
    /// <param name="path">A path as written in the manifest.</param>
    /// <returns>The full path.</returns>
    string ResolvePath(string path);
}

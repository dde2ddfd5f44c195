using Microsoft.Extensions.Configuration;

namespace Mail.Host.Manifest;

/// <summary>A plugin named in the manifest's <c>Plugins</c> section.</summary>
internal sealed record PluginEntry(string Id, bool Enabled, IConfigurationSection Settings);

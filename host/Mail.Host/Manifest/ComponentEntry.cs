using Microsoft.Extensions.Configuration;

namespace Mail.Host.Manifest;

/// <summary>A store instance, directory or listener named in the manifest, with the type (or protocol) that serves it.</summary>
internal sealed record ComponentEntry(string Name, string Type, IConfigurationSection Section);

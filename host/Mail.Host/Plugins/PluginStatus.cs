namespace Mail.Host.Plugins;

/// <summary>Where a plugin folder stands, as <c>mailhost plugins</c> shows it.</summary>
internal enum PluginStatus
{
    /// <summary>Enabled and not yet loaded (only seen before loading).</summary>
    Pending,

    /// <summary>Enabled, loaded, and its services registered.</summary>
    Loaded,

    /// <summary>Not enabled in the manifest; nothing of it was loaded.</summary>
    Disabled,

    /// <summary>Built for a contracts version this host does not implement.</summary>
    Incompatible,

    /// <summary>Broken: a bad descriptor, an assembly that does not load, an entry point that throws.</summary>
    Malfunctioned,

    /// <summary>Enabled in the manifest but no folder provides it.</summary>
    Missing,
}

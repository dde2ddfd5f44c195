using System.Reflection;
using McMaster.NETCore.Plugins;

namespace Mail.Host.Plugins;

/// <summary>One plugin folder (or one enabled plugin without a folder) and what became of it.</summary>
internal sealed class PluginState
{
    public PluginState(string id, string? folder, PluginDescriptor? descriptor, bool enabled)
    {
        Id = id;
        Folder = folder;
        Descriptor = descriptor;
        Enabled = enabled;
        Status = enabled ? PluginStatus.Pending : PluginStatus.Disabled;
    }

    public string Id { get; }

    public string? Folder { get; }

    public PluginDescriptor? Descriptor { get; }

    public bool Enabled { get; }

    public PluginStatus Status { get; private set; }

    public string? Reason { get; private set; }

    public PluginLoader? Loader { get; set; }

    public Assembly? Assembly { get; set; }

    public IMailHostPlugin? Entry { get; set; }

    public PluginContext? Context { get; set; }

    /// <summary>The services the plugin registered.</summary>
    public IReadOnlyList<Microsoft.Extensions.DependencyInjection.ServiceDescriptor> Registrations { get; set; } = [];

    public string DescriptorPath => Folder is null ? "(none)" : Path.Combine(Folder, PluginDescriptor.FileName);

    public string AssemblyPath => Folder is null || Descriptor is null ? DescriptorPath : Path.Combine(Folder, Descriptor.Assembly);

    /// <summary>Whether it is enabled and nothing has gone wrong with it so far.</summary>
    public bool IsUsable => Enabled && Status is PluginStatus.Pending or PluginStatus.Loaded;

    public void MarkLoaded() => Status = PluginStatus.Loaded;

    public void Fail(PluginStatus status, string reason)
    {
        // The first failure is the one to report; later ones follow from it.
        if (Status is PluginStatus.Incompatible or PluginStatus.Malfunctioned or PluginStatus.Missing)
        {
            return;
        }

        Status = status;
        Reason = reason;
    }
}

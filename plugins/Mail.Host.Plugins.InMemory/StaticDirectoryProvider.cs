using Mail.Host.Directory;

namespace Mail.Host.Plugins.InMemory;

/// <summary>Placeholder being written.</summary>
public sealed class StaticDirectoryProvider
{
}

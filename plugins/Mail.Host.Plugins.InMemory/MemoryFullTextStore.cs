using Mail.Host.Storage;

namespace Mail.Host.Plugins.InMemory;

/// <summary>Placeholder being written.</summary>
public sealed class MemoryFullTextStore
{
}

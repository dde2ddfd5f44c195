using Microsoft.Extensions.Configuration;

namespace Mail.Host.Directory;

/// <summary>What a directory provider is told about the directory it opens.</summary>
public sealed class DirectoryContext
{
    /// <summary>The directory name from the manifest's <c>Directories</c> section.</summary>
    public required string Name { get; init; }

    /// <summary>The directory's section of the manifest (<c>Directories:&lt;name&gt;</c>), including <c>Type</c>.</summary>
    public required IConfiguration Settings { get; init; }

    /// <summary>The folder relative paths resolve against: the manifest's folder.</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>The host's services; <see cref="Storage.IMailStores"/> among them.</summary>
    public required IServiceProvider Services { get; init; }

    /// <summary>Resolves a path from the settings against <see cref="BaseDirectory"/>; absolute paths stay as they are.</summary>
    /// <param name="path">A path as written in the manifest.</param>
    /// <returns>The full path.</returns>
    public string ResolvePath(string path) => Path.GetFullPath(path, BaseDirectory);
}

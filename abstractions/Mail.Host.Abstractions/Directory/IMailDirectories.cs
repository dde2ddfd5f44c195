namespace Mail.Host.Directory;

/// <summary>
/// The directories the manifest opened (<c>Directories</c> section) and the one that serves authentication
/// (<c>Authentication:Directory</c>), available from the host's container once the server has started.
/// </summary>
public interface IMailDirectories
{
    /// <summary>The directory that authenticates logins and resolves recipients.</summary>
    /// <exception cref="InvalidOperationException">The manifest names none.</exception>
    IDirectory Authentication { get; }

    /// <summary>A directory by its manifest name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The directory, or <see langword="null"/>.</returns>
    IDirectory? Find(string name);
}

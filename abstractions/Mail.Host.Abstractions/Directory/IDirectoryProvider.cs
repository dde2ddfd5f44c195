namespace Mail.Host.Directory;

/// <summary>
/// Creates directories of one type (for example <c>internal</c>, <c>ldap</c> or <c>sql</c>). A plugin registers one
/// provider per type it offers; the type must also be listed in the plugin's descriptor.
/// </summary>
public interface IDirectoryProvider
{
    /// <summary>The directory type, as written in the manifest's <c>Directories:&lt;name&gt;:Type</c>; lower case.</summary>
    string Type { get; }

    /// <summary>Checks a directory's settings before anything starts and returns every problem found. The default accepts everything.</summary>
    /// <param name="context">The directory's name and settings.</param>
    /// <returns>The problems; empty when the settings are usable.</returns>
    IEnumerable<string> Validate(DirectoryContext context) => [];

    /// <summary>Opens a directory. Throwing stops the server's start with the exception's message.</summary>
    /// <param name="context">The directory's name and settings.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The directory.</returns>
    ValueTask<IDirectory> OpenAsync(DirectoryContext context, CancellationToken cancellationToken);
}

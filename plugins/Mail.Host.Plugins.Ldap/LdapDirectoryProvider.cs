using Mail.Host.Directory;

namespace Mail.Host.Plugins.Ldap;

/// <summary>
/// Opens <c>ldap</c> directories: principals in an LDAP server reached over ldap://, ldaps:// or StartTLS, found
/// by filter templates and read through attribute names written in the manifest (the README's "LDAP directory"
/// section lists them with their defaults). Opening checks that the server answers and the service account binds.
/// </summary>
public sealed class LdapDirectoryProvider : IDirectoryProvider
{
    /// <summary>The directory type.</summary>
    public const string DirectoryType = "ldap";

    /// <inheritdoc />
    public string Type => DirectoryType;

    /// <inheritdoc />
    public IEnumerable<string> Validate(DirectoryContext context) => LdapDirectorySettings.Read(context).Problems;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The settings have problems.</exception>
    /// <exception cref="DirectoryUnavailableException">The server does not answer or refuses the service account.</exception>
    public async ValueTask<IDirectory> OpenAsync(DirectoryContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = LdapDirectorySettings.Read(context);
        if (settings.Problems.Count > 0)
        {
            throw new InvalidOperationException($"The ldap directory '{context.Name}' cannot open: {string.Join(" ", settings.Problems)}");
        }

        var directory = settings.Attribute("ScramSecret") is null
            ? new LdapDirectory(context.Name, settings)
            : new LdapDirectoryWithScram(context.Name, settings);
        try
        {
            await directory.CheckAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            directory.Dispose();
            throw;
        }

        return directory;
    }
}

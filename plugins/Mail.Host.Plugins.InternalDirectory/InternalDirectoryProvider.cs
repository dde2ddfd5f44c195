using Mail.Host.Directory;
using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// Opens <c>internal</c> directories: accounts, groups and domains kept in the installation's data store and managed
/// through the admin API (<c>/api/admin/</c>) and the <c>mailhost account|domain|group</c> commands. The manifest
/// section has no setting besides its type: <c>"Directories": { "internal": { "Type": "internal" } }</c>.
/// </summary>
public sealed class InternalDirectoryProvider : IDirectoryProvider
{
    /// <summary>The environment variable holding the first admin account's password; a random one is generated without it.</summary>
    public const string AdminPasswordVariable = "MAILHOST_ADMIN_PASSWORD";

    /// <summary>The directory type.</summary>
    public const string DirectoryType = "internal";

    /// <summary>The setting for how long a verified password is remembered (<see cref="InternalDirectoryOptions.VerifiedLoginLifetime"/>).</summary>
    public const string VerifiedLoginSecondsKey = "VerifiedLoginSeconds";

    /// <inheritdoc />
    public string Type => DirectoryType;

    /// <inheritdoc />
    public IEnumerable<string> Validate(DirectoryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var child in context.Settings.GetChildren())
        {
            if (child.Key.Equals(VerifiedLoginSecondsKey, StringComparison.OrdinalIgnoreCase))
            {
                if (!int.TryParse(child.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds > 86_400)
                {
                    yield return $"{VerifiedLoginSecondsKey} is '{child.Value}'; it must be a whole number of seconds from 0 (hash the password at every login) to 86400.";
                }
            }
            else if (!child.Key.Equals("Type", StringComparison.OrdinalIgnoreCase))
            {
                yield return $"'{child.Key}' is not a setting of an internal directory, whose settings are Type and {VerifiedLoginSecondsKey}: its accounts, groups and domains live in the data store and are managed with mailhost account, domain and group.";
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No data store serves the data role, or MAILHOST_ADMIN_PASSWORD is too weak.</exception>
    public async ValueTask<IDirectory> OpenAsync(DirectoryContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stores = context.Services.GetService<IMailStores>();
        if (stores is null || !stores.Serves(StoreRoles.Data))
        {
            throw new InvalidOperationException($"the internal directory '{context.Name}' keeps its principals in the data store, and no store serves the data role: set Roles:Data in the manifest.");
        }

        var logger = context.Services.GetService<ILoggerFactory>()?.CreateLogger(typeof(DataStoreDirectory).FullName!) ?? NullLogger.Instance;
        var options = new InternalDirectoryOptions
        {
            VerifiedLoginLifetime = int.TryParse(context.Settings[VerifiedLoginSecondsKey], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : new InternalDirectoryOptions().VerifiedLoginLifetime,
            InitialAdminPassword = Environment.GetEnvironmentVariable(AdminPasswordVariable) is { Length: > 0 } password ? password : null,
        };
        return await DataStoreDirectory.OpenAsync(stores.Data, options, logger, cancellationToken).ConfigureAwait(false);
    }
}

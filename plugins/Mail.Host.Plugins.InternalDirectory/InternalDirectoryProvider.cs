using Mail.Host.Directory;
using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// Opens <c>internal</c> directories: accounts, groups and domains kept in the installation's data store and managed
/// through the admin API (<c>/api/admin/</c>) and the <c>mailhost account|domain|group</c> commands, e.g.
/// <c>"Directories": { "internal": { "Type": "internal" } }</c>, with the optional settings <c>VerifiedLoginSeconds</c>,
/// <c>HashMemoryKiB</c> and <c>HashIterations</c>.
/// </summary>
public sealed class InternalDirectoryProvider : IDirectoryProvider
{
    /// <summary>The environment variable holding the first admin account's password; a random one is generated without it.</summary>
    public const string AdminPasswordVariable = "MAILHOST_ADMIN_PASSWORD";

    /// <summary>The directory type.</summary>
    public const string DirectoryType = "internal";

    /// <summary>The setting for how long a verified password is remembered (<see cref="InternalDirectoryOptions.VerifiedLoginLifetime"/>).</summary>
    public const string VerifiedLoginSecondsKey = "VerifiedLoginSeconds";

    /// <summary>The setting for the Argon2id memory cost of new hashes, in KiB (<see cref="InternalDirectoryOptions.HashMemoryKiB"/>).</summary>
    public const string HashMemoryKiBKey = "HashMemoryKiB";

    /// <summary>The setting for the Argon2id iterations of new hashes (<see cref="InternalDirectoryOptions.HashIterations"/>).</summary>
    public const string HashIterationsKey = "HashIterations";

    // The ranges the settings accept: Argon2 needs at least 8 KiB per lane; past 4 GiB or 16 passes a login would take
    // longer than any client waits.
    private static readonly (string Key, int Minimum, int Maximum, string Meaning)[] Numbers =
    [
        (VerifiedLoginSecondsKey, 0, 86_400, "seconds from 0 (hash the password at every login) to 86400"),
        (HashMemoryKiBKey, 1024, 4 * 1024 * 1024, "KiB from 1024 to 4194304"),
        (HashIterationsKey, 1, 16, "passes from 1 to 16"),
    ];

    /// <inheritdoc />
    public string Type => DirectoryType;

    /// <inheritdoc />
    public IEnumerable<string> Validate(DirectoryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var child in context.Settings.GetChildren())
        {
            if (child.Key.Equals("Type", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var number = Numbers.FirstOrDefault(n => n.Key.Equals(child.Key, StringComparison.OrdinalIgnoreCase));
            if (number.Key is null)
            {
                yield return $"'{child.Key}' is not a setting of an internal directory, whose settings are Type, {string.Join(", ", Numbers.Select(n => n.Key))}: its accounts, groups and domains live in the data store and are managed with mailhost account, domain and group.";
            }
            else if (!int.TryParse(child.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < number.Minimum || value > number.Maximum)
            {
                yield return $"{number.Key} is '{child.Value}'; it must be a whole number of {number.Meaning}.";
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
            HashMemoryKiB = Setting(context, HashMemoryKiBKey) ?? new InternalDirectoryOptions().HashMemoryKiB,
            HashIterations = Setting(context, HashIterationsKey) ?? new InternalDirectoryOptions().HashIterations,
        };
        return await DataStoreDirectory.OpenAsync(stores.Data, options, logger, cancellationToken).ConfigureAwait(false);
    }

    private static int? Setting(DirectoryContext context, string key)
        => int.TryParse(context.Settings[key], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
}

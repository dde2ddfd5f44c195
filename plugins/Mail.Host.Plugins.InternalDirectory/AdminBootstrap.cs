using System.Security.Cryptography;
using Mail.Host.Directory;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>The first start of an installation: an <c>admin</c> account, so that someone can manage the directory.</summary>
internal static partial class AdminBootstrap
{
    /// <summary>The name of the account created on the first start.</summary>
    public const string AdminName = "admin";

    /// <summary>The length of a generated password: about 143 bits from 62 symbols.</summary>
    public const int GeneratedPasswordLength = 24;

    private const int MaxAttempts = 10;
    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Creates the <c>admin</c> account unless some principal already holds the admin role.</summary>
    /// <param name="data">The directory's reads.</param>
    /// <param name="options">The configured password, if any, and the hash parameters.</param>
    /// <param name="logger">Where the creation is reported.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when an admin exists, or when none can be created.</returns>
    /// <exception cref="InvalidOperationException">The configured password is too weak.</exception>
    public static async Task EnsureAdminAsync(DirectoryData data, InternalDirectoryOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        if (await HasAdminAsync(data, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var configured = options.InitialAdminPassword;
        if (configured is not null && PasswordPolicy.Problem(configured, AdminName) is { } problem)
        {
            throw new InvalidOperationException($"The password for the first admin account is not acceptable: {problem}. Set a stronger MAILHOST_ADMIN_PASSWORD, or unset it to have one generated.");
        }

        var password = configured ?? RandomNumberGenerator.GetString(PasswordAlphabet, GeneratedPasswordLength);
        var record = new PrincipalRecord
        {
            Name = AdminName,
            Kind = PrincipalKind.Individual,
            DisplayName = "Administrator",
            Secret = options.Hash(password),
            ScramSha256 = InternalDirectoryOptions.Scram(password),
            Roles = [DirectoryRoles.Admin],
        };

        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var tx = new DirectoryTransaction(data);
            if (await tx.PrincipalAsync(AdminName, cancellationToken).ConfigureAwait(false) is not null)
            {
                // An account called admin exists but holds no admin role (it was taken away outside the API, which
                // refuses to remove the last admin). Granting it here would hand the directory to whoever owns it.
                if (!await HasAdminAsync(data, cancellationToken).ConfigureAwait(false))
                {
                    LogNoAdmin(logger);
                }

                return;
            }

            tx.PutPrincipal(record);
            tx.AddRole(DirectoryRoles.Admin, AdminName);
            if (await tx.CommitAsync(cancellationToken).ConfigureAwait(false))
            {
                if (configured is null)
                {
                    LogCreatedWithGeneratedPassword(logger, password);
                }
                else
                {
                    LogCreatedWithConfiguredPassword(logger);
                }

                return;
            }

            // Another process got there first, or something else changed; whether an admin now exists decides.
            if (await HasAdminAsync(data, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private static async Task<bool> HasAdminAsync(DirectoryData data, CancellationToken cancellationToken)
        => (await data.HoldersAsync(DirectoryRoles.Admin, 1, cancellationToken).ConfigureAwait(false)).Count > 0;

    // The one place a secret is logged, on purpose: a new installation has no other way to hand over its first password.
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Created the admin account 'admin' with password {Password}: change it with mailhost account passwd admin")]
    private static partial void LogCreatedWithGeneratedPassword(ILogger logger, string password);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Created the admin account 'admin' with the password from MAILHOST_ADMIN_PASSWORD")]
    private static partial void LogCreatedWithConfiguredPassword(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "No principal has the admin role, and an account named 'admin' exists without it, so none was created: the admin API and the account, domain and group commands refuse everyone until a principal holds the admin role")]
    private static partial void LogNoAdmin(ILogger logger);
}

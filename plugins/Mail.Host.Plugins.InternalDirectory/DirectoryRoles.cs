namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>The roles a principal of the internal directory can hold.</summary>
internal static class DirectoryRoles
{
    /// <summary>May use the admin API and the account, domain and group commands.</summary>
    public const string Admin = Http.AdminAccess.AdminRole;

    /// <summary>An ordinary mail user; the default for new accounts.</summary>
    public const string User = "user";

    /// <summary>Every role, in the order error messages list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Admin, User];
}

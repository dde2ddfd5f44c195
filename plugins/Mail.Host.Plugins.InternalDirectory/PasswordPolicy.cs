namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>What the internal directory accepts as a password.</summary>
internal static class PasswordPolicy
{
    /// <summary>The shortest password.</summary>
    public const int MinLength = 8;

    /// <summary>The longest password; a longer one only makes every login cost more.</summary>
    public const int MaxLength = 1024;

    /// <summary>Tells what is wrong with a password, if anything. The message never repeats the password.</summary>
    /// <param name="password">The password.</param>
    /// <param name="name">The account's name, which the password must not be.</param>
    /// <returns>The problem, or null when the password is acceptable.</returns>
    public static string? Problem(string? password, string name)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "a password is required";
        }

        if (password.Length < MinLength)
        {
            return $"the password is too short: use at least {MinLength} characters";
        }

        if (password.Length > MaxLength)
        {
            return $"the password is too long: use at most {MaxLength} characters";
        }

        if (string.IsNullOrWhiteSpace(password))
        {
            return "the password is only spaces";
        }

        if (password.Any(char.IsControl))
        {
            return "the password contains control characters, which most clients cannot type";
        }

        if (password.Distinct().Count() < 3)
        {
            return "the password is too weak: it repeats one or two characters";
        }

        if (password.Equals(name, StringComparison.OrdinalIgnoreCase))
        {
            return "the password is the account's name";
        }

        return null;
    }
}

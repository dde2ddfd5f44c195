using System.Diagnostics.CodeAnalysis;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>The login names the internal directory accepts: short, lower case, and safe in any key, URL or log line.</summary>
internal static class PrincipalName
{
    /// <summary>The longest name.</summary>
    public const int MaxLength = 64;

    /// <summary>What a valid name looks like, for error messages.</summary>
    public const string Rule = "1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or a digit";

    /// <summary>Checks and lower-cases a name; names compare regardless of case.</summary>
    /// <param name="name">The name as given.</param>
    /// <param name="normalized">The lower-case name.</param>
    /// <returns>Whether the name is valid.</returns>
    public static bool TryNormalize(string? name, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        normalized = name.ToLowerInvariant();
        return true;
    }
}

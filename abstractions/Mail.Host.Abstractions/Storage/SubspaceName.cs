namespace Mail.Host.Storage;

/// <summary>
/// The rule for subspace names: 1 to 32 characters of <c>a-z</c>, <c>0-9</c> and <c>_</c>, starting with a letter, so
/// that every backend can use them as table, column-family or key-prefix names.
/// </summary>
public static class SubspaceName
{
    /// <summary>The longest subspace name.</summary>
    public const int MaxLength = 32;

    /// <summary>Tells whether a name follows the rule.</summary>
    /// <param name="name">The name to check.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name[0] is < 'a' or > 'z')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the name follows the rule.</summary>
    /// <param name="name">The name to check.</param>
    public static void Validate(string name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a valid subspace name: use 1 to {MaxLength} characters of a-z, 0-9 and '_', starting with a letter.", nameof(name));
        }
    }
}

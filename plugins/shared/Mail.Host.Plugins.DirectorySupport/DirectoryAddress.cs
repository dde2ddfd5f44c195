using System.Diagnostics.CodeAnalysis;

namespace Mail.Host.Plugins.DirectorySupport;

/// <summary>The mailbox address syntax the directories accept, and the lower-case form they look addresses up by.</summary>
public static class DirectoryAddress
{
    private const int MaxLocalPartLength = 64;
    private const int MaxDomainLength = 255;

    /// <summary>Splits <c>local@domain</c> and lower-cases it; fails for anything that cannot be a mailbox address.</summary>
    /// <param name="address">The address as given.</param>
    /// <param name="normalized">The lower-case address.</param>
    /// <param name="local">Its lower-case local part.</param>
    /// <param name="domain">Its lower-case domain.</param>
    /// <returns>Whether the address is well formed.</returns>
    public static bool TryNormalize(
        string? address,
        [NotNullWhen(true)] out string? normalized,
        [NotNullWhen(true)] out string? local,
        [NotNullWhen(true)] out string? domain)
    {
        normalized = local = domain = null;
        if (string.IsNullOrEmpty(address))
        {
            return false;
        }

        // A quoted local part may hold '@', but allowing it would let "a@b@example.org" mean something.
        var at = address.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != address.LastIndexOf('@') || at > MaxLocalPartLength)
        {
            return false;
        }

        foreach (var c in address.AsSpan(0, at))
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        var domainPart = address[(at + 1)..];
        if (!IsDomain(domainPart))
        {
            return false;
        }

        normalized = address.ToLowerInvariant();
        local = normalized[..at];
        domain = normalized[(at + 1)..];
        return true;
    }

    /// <summary>Whether a string is a host name: dot-separated labels of letters, digits and hyphens.</summary>
    /// <param name="domain">The candidate.</param>
    /// <returns>Whether it is a domain.</returns>
    public static bool IsDomain(string? domain)
    {
        if (string.IsNullOrEmpty(domain) || domain.Length > MaxDomainLength)
        {
            return false;
        }

        foreach (var label in domain.Split('.'))
        {
            if (label.Length == 0 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                // Letters beyond ASCII admit internationalised domains in their Unicode form.
                if (!char.IsLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Whether a login name or principal name is usable at all: not empty, no control characters.</summary>
    /// <param name="name">The name.</param>
    /// <returns>Whether it may be looked up.</returns>
    public static bool IsUsableName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 320)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }
}

using System.Diagnostics.CodeAnalysis;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// The address and domain syntax the internal directory stores: an ASCII dot-atom local part and a host name, both
/// lower case. Lookups use the same rule, so anything that cannot be stored is simply not found.
/// </summary>
internal static class AddressSyntax
{
    /// <summary>The longest local part (RFC 5321 §4.5.3.1.1).</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>The longest domain name (RFC 1035 §2.3.4, without the trailing dot).</summary>
    public const int MaxDomainLength = 253;

    private const int MaxLabelLength = 63;

    // RFC 5322 atext: quoted local parts and non-ASCII addresses are left out, since a key that can be spelled two
    // ways would let one mailbox hold two addresses.
    private const string AtextSymbols = "!#$%&'*+-/=?^_`{|}~";

    /// <summary>Checks and lower-cases <c>local@domain</c>.</summary>
    /// <param name="address">The address as given.</param>
    /// <param name="normalized">The lower-case address.</param>
    /// <param name="domain">Its lower-case domain.</param>
    /// <returns>Whether the address is well formed.</returns>
    public static bool TryNormalize(string? address, [NotNullWhen(true)] out string? normalized, [NotNullWhen(true)] out string? domain)
    {
        normalized = null;
        domain = null;
        if (string.IsNullOrEmpty(address))
        {
            return false;
        }

        var at = address.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != address.LastIndexOf('@') || at > MaxLocalPartLength || !IsDotAtom(address.AsSpan(0, at)))
        {
            return false;
        }

        if (!TryNormalizeDomain(address[(at + 1)..], out domain))
        {
            return false;
        }

        normalized = string.Concat(address.AsSpan(0, at).ToString().ToLowerInvariant(), "@", domain);
        return true;
    }

    /// <summary>Checks and lower-cases a domain name: dot-separated labels of letters, digits and hyphens.</summary>
    /// <param name="domain">The domain as given.</param>
    /// <param name="normalized">The lower-case domain.</param>
    /// <returns>Whether it is a domain name.</returns>
    public static bool TryNormalizeDomain(string? domain, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrEmpty(domain) || domain.Length > MaxDomainLength)
        {
            return false;
        }

        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        normalized = domain.ToLowerInvariant();
        return true;
    }

    /// <summary>Splits a normalized address into its local part and domain.</summary>
    /// <param name="address">An address from <see cref="TryNormalize"/>.</param>
    /// <returns>The two parts.</returns>
    public static (string Local, string Domain) Split(string address)
    {
        var at = address.IndexOf('@', StringComparison.Ordinal);
        return (address[..at], address[(at + 1)..]);
    }

    private static bool IsDotAtom(ReadOnlySpan<char> local)
    {
        if (local.IsEmpty || local[0] == '.' || local[^1] == '.')
        {
            return false;
        }

        for (var i = 0; i < local.Length; i++)
        {
            var c = local[i];
            if (c == '.')
            {
                if (local[i - 1] == '.')
                {
                    return false;
                }
            }
            else if (!char.IsAsciiLetterOrDigit(c) && !AtextSymbols.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

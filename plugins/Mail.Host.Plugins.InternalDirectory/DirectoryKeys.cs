using System.Text;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// The subspaces and keys of the internal directory. Names, domains and addresses are lower case and never hold a
/// NUL byte (their syntax forbids it), so NUL separates the parts of composite keys and a prefix scan on
/// <c>part + NUL</c> finds exactly the keys of that part.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>dir_principal</c></term><description>name → <see cref="PrincipalRecord"/></description></item>
/// <item><term><c>dir_address</c></term><description>domain NUL local → owner's name (domain first, so a domain's addresses are one prefix)</description></item>
/// <item><term><c>dir_domain</c></term><description>domain → <see cref="DomainRecord"/></description></item>
/// <item><term><c>dir_member</c></term><description>member address NUL group name → empty (who is in which group)</description></item>
/// <item><term><c>dir_role</c></term><description>role NUL principal name → empty (who holds a role)</description></item>
/// </list>
/// </remarks>
internal static class DirectoryKeys
{
    /// <summary>Principal records by name.</summary>
    public const string Principals = "dir_principal";

    /// <summary>Address owners by address.</summary>
    public const string Addresses = "dir_address";

    /// <summary>Domain records by domain.</summary>
    public const string Domains = "dir_domain";

    /// <summary>Group memberships by member address.</summary>
    public const string Members = "dir_member";

    /// <summary>Role holders by role.</summary>
    public const string Roles = "dir_role";

    private const byte Separator = 0;

    /// <summary>The key of a principal record.</summary>
    /// <param name="name">The lower-case name.</param>
    /// <returns>The key.</returns>
    public static byte[] Principal(string name) => Encoding.UTF8.GetBytes(name);

    /// <summary>The key of a domain record.</summary>
    /// <param name="domain">The lower-case domain.</param>
    /// <returns>The key.</returns>
    public static byte[] Domain(string domain) => Encoding.UTF8.GetBytes(domain);

    /// <summary>The key of an address.</summary>
    /// <param name="address">A normalized address.</param>
    /// <returns>The key.</returns>
    public static byte[] Address(string address)
    {
        var (local, domain) = AddressSyntax.Split(address);
        return Pair(domain, local);
    }

    /// <summary>The prefix of every address key in a domain.</summary>
    /// <param name="domain">The lower-case domain.</param>
    /// <returns>The prefix.</returns>
    public static byte[] AddressesIn(string domain) => Pair(domain, string.Empty);

    /// <summary>The address an address key stands for.</summary>
    /// <param name="key">A key of <see cref="Addresses"/>.</param>
    /// <returns>The address.</returns>
    public static string AddressOf(byte[] key)
    {
        var (domain, local) = Unpair(key);
        return $"{local}@{domain}";
    }

    /// <summary>The key of one membership.</summary>
    /// <param name="member">The member's address.</param>
    /// <param name="group">The group's name.</param>
    /// <returns>The key.</returns>
    public static byte[] Member(string member, string group) => Pair(member, group);

    /// <summary>The prefix of every membership of an address.</summary>
    /// <param name="member">The member's address.</param>
    /// <returns>The prefix.</returns>
    public static byte[] MembershipsOf(string member) => Pair(member, string.Empty);

    /// <summary>The key of one role holder.</summary>
    /// <param name="role">The role.</param>
    /// <param name="name">The holder's name.</param>
    /// <returns>The key.</returns>
    public static byte[] Role(string role, string name) => Pair(role, name);

    /// <summary>The prefix of every holder of a role.</summary>
    /// <param name="role">The role.</param>
    /// <returns>The prefix.</returns>
    public static byte[] HoldersOf(string role) => Pair(role, string.Empty);

    /// <summary>The second part of a composite key: the group of a membership, the holder of a role.</summary>
    /// <param name="key">A composite key.</param>
    /// <returns>The part after the separator.</returns>
    public static string SecondPart(byte[] key) => Unpair(key).Second;

    /// <summary>Reads a single-part key as text.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The text.</returns>
    public static string Text(byte[] key) => Encoding.UTF8.GetString(key);

    private static byte[] Pair(string first, string second)
    {
        var key = new byte[Encoding.UTF8.GetByteCount(first) + 1 + Encoding.UTF8.GetByteCount(second)];
        var written = Encoding.UTF8.GetBytes(first, key);
        key[written] = Separator;
        Encoding.UTF8.GetBytes(second, key.AsSpan(written + 1));
        return key;
    }

    private static (string First, string Second) Unpair(byte[] key)
    {
        var separator = Array.IndexOf(key, Separator);
        if (separator < 0)
        {
            throw new InvalidDataException("A composite key of the internal directory has no separator.");
        }

        return (Encoding.UTF8.GetString(key, 0, separator), Encoding.UTF8.GetString(key, separator + 1, key.Length - separator - 1));
    }
}

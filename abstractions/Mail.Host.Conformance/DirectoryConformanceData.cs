using Mail.Host.Directory;

namespace Mail.Host.Conformance;

/// <summary>
/// The principals and domains a directory under <see cref="DirectoryConformance"/> must hold, and nothing else.
/// A backend seeds its store from this data (hashing <see cref="Passwords"/> the way it stores secrets) and the
/// kit then expects exactly these principals back, in these shapes.
/// </summary>
/// <remarks>
/// Every value is plain: names, addresses and passwords are ASCII, addresses are already lower case, and
/// <see cref="Principal.MemberOf"/> is what follows from the groups' <see cref="Principal.Members"/>, so a backend
/// that derives membership from its groups needs no extra data.
/// </remarks>
public sealed class DirectoryConformanceData
{
    /// <summary>The local domains, lower case: <c>example.org</c> and <c>example.net</c>.</summary>
    public IReadOnlyList<string> Domains { get; } = ["example.org", "example.net"];

    /// <summary>
    /// An enabled individual with a display name, a primary address (<c>alice@example.org</c>), an alias in the other
    /// domain (<c>ally@example.net</c>), the role <c>user</c>, quotas, and membership of <see cref="Team"/>.
    /// </summary>
    public Principal Alice { get; } = new()
    {
        Name = "alice",
        Kind = PrincipalKind.Individual,
        DisplayName = "Alice Liddell",
        Addresses = ["alice@example.org", "ally@example.net"],
        MemberOf = ["team"],
        Roles = ["user"],
        QuotaBytes = 1_073_741_824,
        QuotaMessages = 50_000,
    };

    /// <summary>An enabled individual with one address, the role <c>user</c>, no quota, and membership of <see cref="Team"/>.</summary>
    public Principal Bob { get; } = new()
    {
        Name = "bob",
        Kind = PrincipalKind.Individual,
        DisplayName = "Bob Builder",
        Addresses = ["bob@example.org"],
        MemberOf = ["team"],
        Roles = ["user"],
    };

    /// <summary>A disabled individual with one address and the role <c>user</c>; its password is known so the kit can tell disabled from wrong.</summary>
    public Principal Carol { get; } = new()
    {
        Name = "carol",
        Kind = PrincipalKind.Individual,
        DisplayName = "Carol Singer",
        Addresses = ["carol@example.org"],
        Roles = ["user"],
        Disabled = true,
    };

    /// <summary>A group with the address <c>team@example.org</c> whose members are <see cref="Alice"/> and <see cref="Bob"/> (by primary address). It has no password.</summary>
    public Principal Team { get; } = new()
    {
        Name = "team",
        Kind = PrincipalKind.Group,
        DisplayName = "The Team",
        Addresses = ["team@example.org"],
        Members = ["alice@example.org", "bob@example.org"],
    };

    /// <summary>Alice's password.</summary>
    public string AlicePassword { get; } = "Wonderland-Rabbit-1865";

    /// <summary>Bob's password.</summary>
    public string BobPassword { get; } = "Can-We-Fix-It-1999";

    /// <summary>Carol's password; right, but she is disabled.</summary>
    public string CarolPassword { get; } = "Christmas-Carol-1843";

    /// <summary>Every principal: <see cref="Alice"/>, <see cref="Bob"/>, <see cref="Carol"/> and <see cref="Team"/>.</summary>
    public IReadOnlyList<Principal> Principals => [Alice, Bob, Carol, Team];

    /// <summary>The plain-text password of every individual, by principal name. Groups have none and cannot log in.</summary>
    public IReadOnlyDictionary<string, string> Passwords => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Alice.Name] = AlicePassword,
        [Bob.Name] = BobPassword,
        [Carol.Name] = CarolPassword,
    };
}

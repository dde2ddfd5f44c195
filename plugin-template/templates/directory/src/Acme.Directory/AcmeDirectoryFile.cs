using System.Text.Json;

namespace Acme.Directory;

/// <summary>
/// The directory's JSON file:
/// <code>
/// {
///   "domains": [ "example.org" ],
///   "principals": [
///     { "name": "alice", "displayName": "Alice", "secret": "$pbkdf2-sha256$i=600000$SALT$HASH",
///       "addresses": [ "alice@example.org", "ally@example.org" ], "roles": [ "user" ],
///       "quotaBytes": 1073741824, "quotaMessages": 50000, "disabled": false },
///     { "name": "team", "kind": "group", "addresses": [ "team@example.org" ], "members": [ "alice@example.org" ] }
///   ]
/// }
/// </code>
/// The first address is the primary one; group members are addresses. Secrets are made by <see cref="PasswordHash"/>.
/// </summary>
public sealed class AcmeDirectoryFile
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The local domains.</summary>
    public List<string> Domains { get; init; } = [];

    /// <summary>The individuals and groups.</summary>
    public List<Entry> Principals { get; init; } = [];

    /// <summary>Reads a directory file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>Its contents.</returns>
    /// <exception cref="InvalidOperationException">The file is missing or is not a directory file.</exception>
    public static AcmeDirectoryFile Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<AcmeDirectoryFile>(File.ReadAllBytes(path), Options)
                ?? throw new InvalidOperationException($"The directory file {path} is empty.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new InvalidOperationException($"The directory file {path} cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Writes a directory file.</summary>
    /// <param name="path">The file.</param>
    public void Write(string path) => File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, Options));

    /// <summary>One principal of the file.</summary>
    public sealed class Entry
    {
        /// <summary>The login name.</summary>
        public string Name { get; init; } = string.Empty;

        /// <summary><c>individual</c> (the default) or <c>group</c>.</summary>
        public string Kind { get; init; } = "individual";

        /// <summary>The display name.</summary>
        public string? DisplayName { get; init; }

        /// <summary>The password hash (see <see cref="PasswordHash"/>); none means the principal cannot log in.</summary>
        public string? Secret { get; init; }

        /// <summary>The addresses, primary first.</summary>
        public List<string> Addresses { get; init; } = [];

        /// <summary>A group's members, by address.</summary>
        public List<string> Members { get; init; } = [];

        /// <summary>Roles such as <c>user</c> and <c>admin</c>.</summary>
        public List<string> Roles { get; init; } = [];

        /// <summary>The storage quota in bytes, or none.</summary>
        public long? QuotaBytes { get; init; }

        /// <summary>The message count quota, or none.</summary>
        public long? QuotaMessages { get; init; }

        /// <summary>Whether the principal is disabled.</summary>
        public bool Disabled { get; init; }
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// Remembers, for a short time, that a password matched an account's Argon2id hash, so that a client logging in
/// again and again (IMAP clients open a session per folder, phones reconnect all day) does not pay the memory-hard
/// hash each time. Only successes are remembered: a wrong password always runs the full hash, so guessing stays as
/// slow as before. An entry holds an HMAC of the stored hash and the password under a key made at start and never
/// kept, and it stops matching when the stored hash changes (a new password) or its lifetime ends.
/// </summary>
/// <param name="lifetime">How long a verified password is remembered; zero turns the cache off.</param>
/// <param name="time">The clock.</param>
/// <param name="capacity">The most accounts remembered at once; when full, the cache starts again empty.</param>
public sealed class VerifiedLogins(TimeSpan lifetime, TimeProvider time, int capacity = 100_000)
{
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="password"/> was verified against <paramref name="secret"/> for this account within the lifetime.</summary>
    /// <param name="name">The account's name.</param>
    /// <param name="secret">The account's stored hash as it is now.</param>
    /// <param name="password">The password the client gave.</param>
    /// <returns>True when it may be taken as verified without hashing.</returns>
    public bool Matches(string name, string secret, string password)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (lifetime <= TimeSpan.Zero || !entries.TryGetValue(name, out var entry))
        {
            return false;
        }

        if (entry.Expires <= time.GetUtcNow() || !string.Equals(entry.Secret, secret, StringComparison.Ordinal))
        {
            entries.TryRemove(KeyValuePair.Create(name, entry));
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(entry.Proof, Proof(secret, password));
    }

    /// <summary>Remembers that <paramref name="password"/> matched <paramref name="secret"/>.</summary>
    /// <param name="name">The account's name.</param>
    /// <param name="secret">The stored hash it matched.</param>
    /// <param name="password">The password.</param>
    public void Remember(string name, string secret, string password)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        if (entries.Count >= capacity)
        {
            entries.Clear();
        }

        entries[name] = new Entry(secret, Proof(secret, password), time.GetUtcNow() + lifetime);
    }

    private byte[] Proof(string secret, string password) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(secret + "\0" + password));

    private sealed record Entry(string Secret, byte[] Proof, DateTimeOffset Expires);
}

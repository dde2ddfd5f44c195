using Mail.Host.Plugins.InternalDirectory;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>The internal directory's memory of passwords that matched: what it lets skip the hash, and what it never does.</summary>
public sealed class VerifiedLoginsTests
{
    private readonly ManualClock clock = new();

    [Fact]
    public void A_remembered_password_matches_until_its_lifetime_ends()
    {
        var logins = new VerifiedLogins(TimeSpan.FromMinutes(5), clock);
        Assert.False(logins.Matches("alice", "$argon2id$hash-1", "Correct-Horse-9"));
        logins.Remember("alice", "$argon2id$hash-1", "Correct-Horse-9");
        Assert.True(logins.Matches("alice", "$argon2id$hash-1", "Correct-Horse-9"));
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.True(logins.Matches("alice", "$argon2id$hash-1", "Correct-Horse-9"));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(logins.Matches("alice", "$argon2id$hash-1", "Correct-Horse-9"));
    }

    [Fact]
    public void Another_password_another_hash_or_another_account_never_matches()
    {
        var logins = new VerifiedLogins(TimeSpan.FromMinutes(5), clock);
        logins.Remember("alice", "$argon2id$hash-1", "Correct-Horse-9");
        Assert.False(logins.Matches("alice", "$argon2id$hash-1", "Correct-Horse-8"));
        Assert.False(logins.Matches("alice", "$argon2id$hash-1", "correct-horse-9"));
        Assert.False(logins.Matches("bob", "$argon2id$hash-1", "Correct-Horse-9"));

        // A new password changes the stored hash: the old one stops matching at once.
        Assert.False(logins.Matches("alice", "$argon2id$hash-2", "Correct-Horse-9"));
        Assert.False(logins.Matches("alice", "$argon2id$hash-1", "Correct-Horse-9"));
    }

    [Fact]
    public void A_zero_lifetime_remembers_nothing_and_a_full_cache_starts_again()
    {
        var off = new VerifiedLogins(TimeSpan.Zero, clock);
        off.Remember("alice", "$argon2id$hash-1", "Correct-Horse-9");
        Assert.False(off.Matches("alice", "$argon2id$hash-1", "Correct-Horse-9"));

        var small = new VerifiedLogins(TimeSpan.FromMinutes(5), clock, capacity: 2);
        small.Remember("a", "h", "p");
        small.Remember("b", "h", "p");
        small.Remember("c", "h", "p");
        Assert.False(small.Matches("a", "h", "p"));
        Assert.True(small.Matches("c", "h", "p"));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}

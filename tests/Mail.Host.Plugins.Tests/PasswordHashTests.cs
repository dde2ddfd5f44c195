using Mail.Host.Plugins.Security;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>Argon2id hashing and verification in the PHC format.</summary>
public sealed class PasswordHashTests
{
    [Fact]
    public void Hash_then_Verify_with_the_same_password_succeeds()
    {
        var phc = PasswordHash.Hash("correct horse battery staple");

        Assert.True(PasswordHash.Verify("correct horse battery staple", phc));
    }

    [Theory]
    [InlineData("correct horse battery stapl")]
    [InlineData("Correct horse battery staple")]
    [InlineData("correct horse battery staple ")]
    [InlineData("")]
    public void Verify_with_a_wrong_password_fails(string wrong)
    {
        var phc = PasswordHash.Hash("correct horse battery staple");

        Assert.False(PasswordHash.Verify(wrong, phc));
    }

    [Fact]
    public void Hash_of_one_password_differs_each_time()
    {
        var first = PasswordHash.Hash("same password");
        var second = PasswordHash.Hash("same password");

        Assert.NotEqual(first, second);
        Assert.True(PasswordHash.Verify("same password", first));
        Assert.True(PasswordHash.Verify("same password", second));
    }

    [Fact]
    public void Hash_writes_phc_with_default_parameters_and_16_byte_salt()
    {
        var phc = PasswordHash.Hash("pw");

        var parts = phc.Split('$');
        Assert.Equal(6, parts.Length);
        Assert.Equal("argon2id", parts[1]);
        Assert.Equal("v=19", parts[2]);
        Assert.Equal("m=19456,t=2,p=1", parts[3]);
        Assert.Equal(16, Convert.FromBase64String(parts[4] + "==").Length);
        Assert.Equal(32, Convert.FromBase64String(parts[5] + "=").Length);
        Assert.DoesNotContain('=', parts[4]);
        Assert.DoesNotContain('=', parts[5]);
    }

    [Fact]
    public void Hash_with_custom_parameters_records_them()
    {
        var phc = PasswordHash.Hash("pw", memoryKiB: 64, iterations: 3, parallelism: 2);

        Assert.StartsWith("$argon2id$v=19$m=64,t=3,p=2$", phc, StringComparison.Ordinal);
        Assert.True(PasswordHash.Verify("pw", phc));
    }

    [Theory]
    [InlineData("pässwörd ✓")]
    [InlineData(" ")]
    [InlineData("\0")]
    public void Hash_then_Verify_round_trips_any_text(string password)
    {
        var phc = PasswordHash.Hash(password, memoryKiB: 64, iterations: 1, parallelism: 1);

        Assert.True(PasswordHash.Verify(password, phc));
        Assert.False(PasswordHash.Verify(password + "x", phc));
    }

    // Written by the reference implementation: printf %s PASSWORD | argon2 SALT -id -t T -k M -p P [-l L] -e
    [Theory]
    [InlineData("password", "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE")]
    [InlineData("correct horse battery staple", "$argon2id$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI")]
    [InlineData("pässwörd", "$argon2id$v=19$m=256,t=1,p=2$MDEyMzQ1Njc4OWFiY2RlZg$LIRVstQYtnBcFffXGVtCBA")]
    public void Verify_accepts_hashes_written_by_the_reference_argon2_tool(string password, string phc)
    {
        Assert.True(PasswordHash.IsWellFormed(phc, out var problem), problem);
        Assert.True(PasswordHash.Verify(password, phc));
        Assert.False(PasswordHash.Verify(password.ToUpperInvariant(), phc));
    }

    [Fact]
    public void Verify_fails_when_one_character_of_the_hash_changes()
    {
        const string Phc = "$argon2id$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI";
        var tampered = Phc.Replace("$m18+", "$n18+", StringComparison.Ordinal);

        Assert.True(PasswordHash.IsWellFormed(tampered, out _));
        Assert.False(PasswordHash.Verify("correct horse battery staple", tampered));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("hunter2", "does not start with $argon2id$")]
    [InlineData("$argon2i$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "only Argon2id")]
    [InlineData("$argon2d$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "only Argon2id")]
    [InlineData("$2b$12$abcdefghijklmnopqrstuuN8G2ZK5bcO0b7E7S2H7k6tD8pI0Jmu", "does not start with $argon2id$")]
    [InlineData("$argon2id$v=16$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "version 19")]
    [InlineData("$argon2id$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "expected $argon2id$v=19$")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI$", "expected $argon2id$v=19$")]
    [InlineData("$argon2id$v=19$m=64,t=3$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "m, t and p are all required")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=4,k=1$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "unexpected parameter 'k'")]
    [InlineData("$argon2id$v=19$m=64,t=3,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "parameter t must appear once")]
    [InlineData("$argon2id$v=19$m=sixty,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "parameter m must appear once, as a whole number")]
    [InlineData("$argon2id$v=19$m=-64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "parameter m must appear once, as a whole number")]
    [InlineData("$argon2id$v=19$m=99999999999,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "parameter m must appear once, as a whole number")]
    [InlineData("$argon2id$v=19$m=4194304,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "m must be between")]
    [InlineData("$argon2id$v=19$m=16,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "m must be between")]
    [InlineData("$argon2id$v=19$m=64,t=0,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "t must be between")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=0$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "p must be between")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=4$c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "the salt must be")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=4$c2FsdHNh bHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "the salt must be")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=4$$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI", "the salt must be")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZ", "the hash must be")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI=", "the hash must be")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18-jASAsn6B34FZLdAZIZ5_JWJGVnBMoAx9fU3bBeI", "the hash must be")]
    [InlineData("$argon2id$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeIxy", "the hash must be")]
    public void Malformed_hash_is_reported_and_never_verifies(string phc, string expectedProblem)
    {
        Assert.False(PasswordHash.IsWellFormed(phc, out var problem));
        Assert.Contains(expectedProblem, problem, StringComparison.Ordinal);
        Assert.False(PasswordHash.Verify("correct horse battery staple", phc));
    }

    [Fact]
    public void Verify_with_null_hash_fails()
    {
        Assert.False(PasswordHash.Verify("pw", null));
        Assert.False(PasswordHash.IsWellFormed(null, out var problem));
        Assert.Equal("it is empty", problem);
    }

    [Fact]
    public void Empty_password_cannot_be_hashed()
    {
        Assert.Throws<ArgumentException>(() => PasswordHash.Hash(string.Empty));
    }

    [Fact]
    public void Null_password_is_a_programming_error()
    {
        Assert.Throws<ArgumentNullException>(() => PasswordHash.Hash(null!));
        Assert.Throws<ArgumentNullException>(() => PasswordHash.Verify(null!, PasswordHash.Hash("pw", 64, 1, 1)));
    }

    [Theory]
    [InlineData(7, 1, 1)]
    [InlineData(PasswordHash.MaxMemoryKiB + 1, 1, 1)]
    [InlineData(64, 0, 1)]
    [InlineData(64, PasswordHash.MaxIterations + 1, 1)]
    [InlineData(64, 1, 0)]
    [InlineData(1024, 1, PasswordHash.MaxParallelism + 1)]
    [InlineData(31, 1, 4)]
    public void Hash_with_parameters_out_of_range_throws(int memoryKiB, int iterations, int parallelism)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PasswordHash.Hash("pw", memoryKiB, iterations, parallelism));
    }
}

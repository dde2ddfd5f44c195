using System.Diagnostics;
using Mail.Host.Plugins.Security;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The verification of hashes found in existing user tables: the crypt(3) schemes implemented here against the test
/// vectors of their specifications and against <c>openssl passwd</c> and <c>mkpasswd</c> run now (when installed),
/// and every scheme's verify and refuse paths.
/// </summary>
public sealed class StoredPasswordTests
{
    public static readonly TheoryData<string, string, string> SpecificationVectors = new()
    {
        // "Unix crypt using SHA-256 and SHA-512" (Drepper), its test vectors.
        { "Hello world!", "$5$saltstring", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5" },
        { "Hello world!", "$6$saltstring", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1" },
        { "Hello world!", "$6$rounds=10000$saltstringsaltstring", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v." },
        { "Hello world!", "$1$saltstri", "$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1" },
    };

    public static readonly TheoryData<string> Passwords = new()
    {
        "a",
        "Hello world!",
        "correct horse battery staple, long enough to pass one digest block of sixty-four bytes",
        "h\u00e9llo w\u00f6rld \u2603",
    };

    [Theory]
    [MemberData(nameof(SpecificationVectors))]
    public void Crypt_schemes_reproduce_the_specification_vectors(string password, string setting, string expected)
    {
        var actual = setting.StartsWith("$1$", StringComparison.Ordinal) ? Md5Crypt.Compute(password, setting) : ShaCrypt.Compute(password, setting);

        Assert.Equal(expected, actual);
        Assert.True(StoredPassword.Verify(password, expected, allowPlain: false));
        Assert.False(StoredPassword.Verify(password + "!", expected, allowPlain: false));
    }

    [Theory]
    [MemberData(nameof(Passwords))]
    public async Task Crypt_schemes_match_openssl_passwd(string password)
    {
        if (!ToolExists("openssl"))
        {
            Assert.Fail("openssl is not installed; it is part of every Debian system and needed for this cross-check.");
        }

        foreach (var (flag, salt) in new[] { ("-1", "8saltchr"), ("-5", "sixteen-saltchrs"), ("-6", "shortsalt") })
        {
            var expected = await RunAsync("openssl", "passwd", flag, "-salt", salt, password);
            var actual = flag == "-1" ? Md5Crypt.Compute(password, expected) : ShaCrypt.Compute(password, expected);

            Assert.Equal(expected, actual);
            Assert.True(StoredPassword.Verify(password, expected, allowPlain: false));
        }
    }

    [Theory]
    [MemberData(nameof(Passwords))]
    public async Task Scram_sha_256_secrets_written_by_doveadm_verify_plain_passwords_and_parse_as_scram(string password)
    {
        if (!ToolExists("doveadm"))
        {
            Assert.Fail("doveadm is not installed (Debian package dovecot-core); scripts/services.sh start installs it.");
        }

        var stored = await RunAsync("doveadm", "pw", "-s", "SCRAM-SHA-256", "-p", password);

        Assert.StartsWith("{SCRAM-SHA-256}", stored, StringComparison.Ordinal);
        Assert.Equal(StoredPasswordScheme.ScramSha256, StoredPassword.SchemeOf(stored));
        Assert.True(StoredPassword.Verify(password, stored, allowPlain: false), stored);
        Assert.False(StoredPassword.Verify(password + "x", stored, allowPlain: false), stored);

        // The same keys as this server derives for that salt and count, read back in RFC 5803's form.
        Assert.True(ScramSecrets.TryParse(stored, out var iterations, out var salt, out var storedKey, out var serverKey));
        Assert.True(ScramSecrets.TryParse(ScramSecrets.Create(password, salt, iterations), out _, out _, out var ownStoredKey, out var ownServerKey));
        Assert.Equal(storedKey, ownStoredKey);
        Assert.Equal(serverKey, ownServerKey);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA")]
    [InlineData("SCRAM-SHA-256$0:c2FsdA==$yOWvlxbT6hMxfBIY1VyEtoZU6VNs0JtDjmU2SxV+f7M=:cvQfnYTDPRemudCowwIvAb9xm+1RjlBA5mRvYsL4vZU=")]
    [InlineData("SCRAM-SHA-256$4096:!!$yOWvlxbT6hMxfBIY1VyEtoZU6VNs0JtDjmU2SxV+f7M=:cvQfnYTDPRemudCowwIvAb9xm+1RjlBA5mRvYsL4vZU=")]
    [InlineData("{SCRAM-SHA-256}4096,c2FsdA==,yOWvlxbT6hMxfBIY1VyEtoZU6VNs0JtDjmU2SxV+f7M=")]
    [InlineData("{SCRAM-SHA-1}4096,c2FsdA==,AAAA,AAAA")]
    public void Malformed_scram_secrets_never_verify(string stored)
    {
        Assert.False(ScramSecrets.TryParse(stored, out _, out _, out _, out _));
        Assert.False(StoredPassword.Verify("pencil", stored, allowPlain: true));
    }

    [Theory]
    [MemberData(nameof(Passwords))]
    public async Task Crypt_schemes_and_bcrypt_match_mkpasswd(string password)
    {
        if (!ToolExists("mkpasswd"))
        {
            Assert.Fail("mkpasswd is not installed (Debian package whois); scripts/services.sh start installs it.");
        }

        foreach (var method in new[] { "md5crypt", "sha256crypt", "sha512crypt", "bcrypt", "bcrypt-a" })
        {
            var arguments = method.StartsWith("sha", StringComparison.Ordinal) ? new[] { "-m", method, "-R", "7000", password } : ["-m", method, password];
            var stored = await RunAsync("mkpasswd", arguments);

            Assert.True(StoredPassword.Verify(password, stored, allowPlain: false), $"{method}: {stored}");
            // bcrypt reads only the first 72 bytes, so the wrong password differs at the start.
            Assert.False(StoredPassword.Verify("x" + password, stored, allowPlain: false), $"{method}: {stored}");
        }
    }

    [Theory]
    [InlineData("$2y$05$XWmiwgVBPyUpXvxRa88Ts.GCmAqMuPMwL4G6ui4EL3dBsjLJ1/mUu", StoredPasswordScheme.Bcrypt)]
    [InlineData("{BLF-CRYPT}$2y$05$XWmiwgVBPyUpXvxRa88Ts.GCmAqMuPMwL4G6ui4EL3dBsjLJ1/mUu", StoredPasswordScheme.Bcrypt)]
    [InlineData("$argon2i$v=19$m=1024,t=2,p=1$c29tZXNhbHRzYWx0$g7yPQhBXpyAoNtjBiqEtLTKYDYDPx9zRjs7XkArCPW4", StoredPasswordScheme.Argon2i)]
    [InlineData("{CRYPT}$6$phRW.wkIHFJjRNWX$bxidqzuQ5XjtxDyhXZ/evEKGcPGEdNawWC9ypRAytwzvQhaoD.Mo.3xoGOG77vNfmD0UMtW4p0qsgWs8VRRa30", StoredPasswordScheme.Sha512Crypt)]
    [InlineData("{SSHA}g+4kYe+vqP5+OFdWV6aa+mXIxRLl2VXn", StoredPasswordScheme.Ssha)]
    [InlineData("{PLAIN}Can-We-Fix-It-1999", StoredPasswordScheme.Plain)]
    [InlineData("Can-We-Fix-It-1999", StoredPasswordScheme.Plain)]
    [InlineData("{MD5}abc", StoredPasswordScheme.Unknown)]
    [InlineData("$y$j9T$abc$def", StoredPasswordScheme.Unknown)]
    public void Scheme_is_recognized_by_its_prefix(string stored, StoredPasswordScheme scheme)
    {
        Assert.Equal(scheme, StoredPassword.SchemeOf(stored));
    }

    [Theory]
    [InlineData("{PLAIN}Can-We-Fix-It-1999")]
    [InlineData("Can-We-Fix-It-1999")]
    public void Plain_verifies_only_when_allowed(string stored)
    {
        Assert.False(StoredPassword.Verify("Can-We-Fix-It-1999", stored, allowPlain: false));
        Assert.True(StoredPassword.Verify("Can-We-Fix-It-1999", stored, allowPlain: true));
        Assert.False(StoredPassword.Verify("can-we-fix-it-1999", stored, allowPlain: true));
    }

    [Theory]
    [InlineData("")]
    [InlineData("$2y$05$short")]
    [InlineData("$6$rounds=99999999999$salt$hash")]
    [InlineData("$argon2id$v=16$m=1024,t=2,p=1$c29tZXNhbHRzYWx0$iS6Iz9QkQMOdr2vQ280aDb389QHaC3UmOZcbBOQZnp8")]
    [InlineData("$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzYWx0$!!!")]
    [InlineData("{SSHA}not base64")]
    [InlineData("{SSHA}c2hvcnQ=")]
    [InlineData("{SMD5}abc")]
    public void Malformed_or_unknown_values_never_verify(string stored)
    {
        Assert.False(StoredPassword.Verify("Can-We-Fix-It-1999", stored, allowPlain: false));
    }

    [Fact]
    public void Empty_password_never_verifies_even_against_an_empty_plain_value()
    {
        Assert.False(StoredPassword.Verify(string.Empty, "{PLAIN}", allowPlain: true));
        Assert.False(StoredPassword.Verify(string.Empty, string.Empty, allowPlain: true));
    }

    private static bool ToolExists(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(folder => File.Exists(Path.Combine(folder, name)));

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} failed: {error}");
        return output.Trim();
    }
}

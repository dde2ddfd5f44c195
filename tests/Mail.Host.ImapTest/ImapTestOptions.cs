namespace Mail.Host.ImapTest;

/// <summary>What to test and how to reach the server.</summary>
public sealed class ImapTestOptions
{
    /// <summary>The server's host name or address.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The server's port.</summary>
    public int Port { get; set; } = 143;

    /// <summary>Plain, STARTTLS or implicit TLS.</summary>
    public TlsMode Tls { get; set; } = TlsMode.None;

    /// <summary>The test user (its test mailboxes are deleted and recreated by each script).</summary>
    public string User { get; set; } = "";

    /// <summary>The test user's password.</summary>
    public string Password { get; set; } = "";

    /// <summary>A second user, for scripts with a <c>user 2: $user2</c> header; those are skipped without it.</summary>
    public string? User2 { get; set; }

    /// <summary>The second user's password.</summary>
    public string? Password2 { get; set; }

    /// <summary>The folder of scripts (each NAME with an optional NAME.mbox; default.mbox for the others).</summary>
    public string ScriptsFolder { get; set; } = "";

    /// <summary>Only these scripts (file names); all of the folder when empty.</summary>
    public IList<string> Scripts { get; } = [];

    /// <summary>The test mailbox (<c>$mailbox</c>); it and every mailbox whose name starts with it are deleted.</summary>
    public string Mailbox { get; set; } = "imaptest";

    /// <summary>How long one reply may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Receives the protocol trace (every line sent and received), when set.</summary>
    public Action<string>? Trace { get; set; }

    /// <summary>Tells whether an environment variable is set, for <c>!ifenv</c>; the process environment by default.</summary>
    public Func<string, bool> EnvironmentHas { get; set; } = name => Environment.GetEnvironmentVariable(name) is not null;
}

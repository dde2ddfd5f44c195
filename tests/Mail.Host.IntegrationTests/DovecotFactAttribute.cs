namespace Mail.Host.IntegrationTests;

/// <summary>
/// A test that needs the private Dovecot scripts/services.sh starts (<c>MAILHOST_TEST_DOVECOT</c>, host:port, with
/// <c>MAILHOST_TEST_DOVECOT_USER</c>/<c>_PASSWORD</c>) and the imaptest scripts; skipped, with the reason, without them.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DovecotFactAttribute : FactAttribute
{
    public DovecotFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MAILHOST_TEST_DOVECOT")))
        {
            Skip = "needs a Dovecot server: MAILHOST_TEST_DOVECOT is not set (scripts/services.sh start writes it)";
        }
        else if (ImapTestScripts.Folder is null)
        {
            Skip = ImapTestScripts.MissingFolder;
        }
    }
}

namespace Mail.Host.IntegrationTests;

/// <summary>
/// A test of this server's IMAP listener: skipped, with the reason, while the deployment has no <c>imap</c> plugin
/// folder (the IMAP plugin is still being written) or the imaptest scripts are not on this machine.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ImapPluginFactAttribute : FactAttribute
{
    public ImapPluginFactAttribute()
    {
        if (!HasImapPlugin())
        {
            Skip = "needs the IMAP plugin: the deployment has no plugins/imap folder";
        }
        else if (ImapTestScripts.Folder is null)
        {
            Skip = ImapTestScripts.MissingFolder;
        }
    }

    private static bool HasImapPlugin()
    {
        var deployment = Environment.GetEnvironmentVariable("MAILHOST_TEST_DEPLOYMENT");
        if (!string.IsNullOrEmpty(deployment))
        {
            return Directory.Exists(Path.Combine(deployment, "plugins", "imap"));
        }

        // The fixture builds the deployment from this repository: the plugin is there when its project is.
        return Directory.Exists(Path.Combine(DeploymentFixture.RepositoryRoot, "plugins", "Mail.Host.Plugins.Imap"));
    }
}

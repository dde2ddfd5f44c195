using System.Text;

namespace Mail.Host.Startup;

/// <summary>
/// One reason the server cannot start, written for the operator: what is wrong, which plugin (if any), which file,
/// and how to fix it.
/// </summary>
/// <param name="Message">What is wrong.</param>
/// <param name="File">The file at fault: the manifest, a descriptor or a plugin assembly.</param>
/// <param name="Fix">What to do about it.</param>
/// <param name="PluginId">The plugin concerned, if any.</param>
internal sealed record StartupProblem(string Message, string File, string Fix, string? PluginId = null)
{
    public string Render()
    {
        var text = new StringBuilder();
        text.Append("error: ").AppendLine(Message);
        if (PluginId is not null)
        {
            text.Append("  plugin: ").AppendLine(PluginId);
        }

        text.Append("  file:   ").AppendLine(File);
        text.Append("  fix:    ").Append(Fix);
        return text.ToString();
    }
}

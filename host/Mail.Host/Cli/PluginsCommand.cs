using System.CommandLine;
using Mail.Host.Plugins;
using Mail.Host.Startup;

namespace Mail.Host.Cli;

/// <summary><c>mailhost plugins</c>: every plugin folder with its id, version, whether enabled, what it provides, and its status.</summary>
internal static class PluginsCommand
{
    public static Command Create(Option<FileInfo> manifestOption)
    {
        var command = new Command("plugins", "List every plugin folder: id, version, enabled or not, what it provides, and its status (loaded, disabled, incompatible, malfunctioned, missing) with the reason.")
        {
            manifestOption,
        };
        command.SetAction(parse =>
        {
            var manifest = MailHostCommandLine.LoadManifest(parse.GetValue(manifestOption)!, Console.Error);
            if (manifest is null)
            {
                return ExitCodes.ConfigurationError;
            }

            var (catalog, problems) = PluginBootstrap.Inspect(manifest);

            Console.WriteLine($"manifest: {manifest.FilePath}");
            Console.WriteLine($"plugins:  {manifest.PluginsDirectory}");
            Console.WriteLine();
            var rows = catalog.Plugins
                .OrderBy(p => p.Id, StringComparer.Ordinal)
                .Select(p => new[]
                {
                    p.Id,
                    p.Descriptor?.Version ?? "-",
                    p.Enabled ? "yes" : "no",
                    p.Status.ToString().ToLowerInvariant(),
                    p.Descriptor?.DescribeProvides() ?? "-",
                    p.Reason ?? string.Empty,
                })
                .ToList();
            Table.Write(Console.Out, ["ID", "VERSION", "ENABLED", "STATUS", "PROVIDES", "REASON"], rows);
            if (catalog.Plugins.Any(p => p.Status == PluginStatus.Pending))
            {
                // Plugins are loaded only once the manifest fits their descriptors; say why they were not.
                Console.WriteLine();
                Console.WriteLine($"pending plugins were not loaded because of {problems.Count} problem(s) in the manifest; run mailhost check for details");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}

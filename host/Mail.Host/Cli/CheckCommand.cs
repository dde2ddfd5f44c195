using System.CommandLine;
using Mail.Host.Startup;

namespace Mail.Host.Cli;

/// <summary><c>mailhost check</c>: validates the manifest and the plugin set without opening stores or listeners.</summary>
internal static class CheckCommand
{
    public static Command Create(Option<FileInfo> manifestOption)
    {
        var command = new Command("check", "Validate the manifest and the plugin set (descriptors, contracts versions, loading, settings) without starting anything; exits non-zero listing every problem.")
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

            if (problems.Count > 0)
            {
                MailHostCommandLine.WriteProblems(Console.Error, problems, manifest.FilePath);
                return ExitCodes.ConfigurationError;
            }

            Console.WriteLine($"ok: {manifest.FilePath}");
            Console.WriteLine($"enabled plugins: {string.Join(", ", catalog.Usable.Select(p => $"{p.Id} {p.Descriptor!.Version}"))}");
            Console.WriteLine($"stores: {string.Join(", ", manifest.Stores.Values.Select(s => $"{s.Name} ({s.Type})"))}");
            Console.WriteLine($"roles: {string.Join(", ", manifest.Roles.Select(r => $"{r.Key}={r.Value}"))}");
            Console.WriteLine($"directories: {string.Join(", ", manifest.Directories.Values.Select(d => $"{d.Name} ({d.Type})"))}");
            Console.WriteLine($"listeners: {string.Join(", ", manifest.Listeners.Values.Select(l => $"{l.Name} ({l.Type})"))}");
            return ExitCodes.Success;
        });
        return command;
    }
}

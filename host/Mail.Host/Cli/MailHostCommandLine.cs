using System.CommandLine;
using Mail.Host.Manifest;
using Mail.Host.Runtime;
using Mail.Host.Startup;

namespace Mail.Host.Cli;

/// <summary>The <c>mailhost</c> command line: serve, plugins, check, and account, domain and group (through a running server's admin API); each with --help.</summary>
internal static class MailHostCommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Mail Host: a mail server whose protocols, stores and directories are plugins chosen by a manifest.");
        root.Subcommands.Add(ServeCommand());
        root.Subcommands.Add(PluginsCommand.Create(ManifestOption()));
        root.Subcommands.Add(CheckCommand.Create(ManifestOption()));
        root.Subcommands.Add(AccountCommand.Create());
        root.Subcommands.Add(DomainCommand.Create());
        root.Subcommands.Add(GroupCommand.Create());
        root.Subcommands.Add(QueueCommand.Create());
        root.Subcommands.Add(DkimCommand.Create());

        // The generic host handles SIGINT and SIGTERM itself and shuts down gracefully; the parser must not race it.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
    }

    /// <summary>The --manifest option every command shares.</summary>
    public static Option<FileInfo> ManifestOption() => new("--manifest", "-m")
    {
        Description = "The manifest file. Default: $MAILHOST_MANIFEST, else mailhost.json beside the mailhost executable.",
        DefaultValueFactory = _ => new FileInfo(Environment.GetEnvironmentVariable("MAILHOST_MANIFEST") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(AppContext.BaseDirectory, "mailhost.json")),
    };

    /// <summary>Loads the manifest, printing its problems and returning null when it cannot be used.</summary>
    public static HostManifest? LoadManifest(FileInfo file, TextWriter error)
    {
        try
        {
            return ManifestLoader.Load(file.FullName);
        }
        catch (StartupException ex)
        {
            WriteProblems(error, ex.Problems, file.FullName);
            return null;
        }
    }

    public static void WriteProblems(TextWriter error, IReadOnlyList<StartupProblem> problems, string manifestPath)
    {
        error.WriteLine($"mailhost: cannot start with {manifestPath}: {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}");
        foreach (var problem in problems)
        {
            error.WriteLine(problem.Render());
        }
    }

    private static Command ServeCommand()
    {
        var manifestOption = ManifestOption();
        var command = new Command("serve", "Run the server until SIGINT or SIGTERM, then stop gracefully: listeners stop accepting, sessions in progress finish, stores flush.")
        {
            manifestOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(manifestOption)!;
            var manifest = LoadManifest(file, Console.Error);
            if (manifest is null)
            {
                return ExitCodes.ConfigurationError;
            }

            try
            {
                await MailServer.RunAsync(manifest, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (StartupException ex)
            {
                WriteProblems(Console.Error, ex.Problems, manifest.FilePath);
                return ExitCodes.ConfigurationError;
            }
        });
        return command;
    }
}

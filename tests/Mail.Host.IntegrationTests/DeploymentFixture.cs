using System.Diagnostics;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// The deployment folder the tests copy from: the one ./test.sh built (MAILHOST_TEST_DEPLOYMENT and
/// MAILHOST_TEST_PLUGINS), or, when the tests run on their own, one this fixture builds with ./build.sh.
/// </summary>
public sealed class DeploymentFixture : IDisposable
{
    private readonly string? ownedFolder;

    public DeploymentFixture()
    {
        var deployment = Environment.GetEnvironmentVariable("MAILHOST_TEST_DEPLOYMENT");
        var testPlugins = Environment.GetEnvironmentVariable("MAILHOST_TEST_PLUGINS");
        if (string.IsNullOrEmpty(deployment) || string.IsNullOrEmpty(testPlugins))
        {
            ownedFolder = Path.Combine(Path.GetTempPath(), "mailhost-it-" + Guid.NewGuid().ToString("N"));
            deployment = Path.Combine(ownedFolder, "deploy");
            testPlugins = Path.Combine(ownedFolder, "test-plugins");
            Build(deployment, testPlugins);
        }

        DeploymentFolder = deployment;
        TestPluginsFolder = testPlugins;
        if (!File.Exists(Path.Combine(DeploymentFolder, "mailhost")))
        {
            throw new InvalidOperationException($"{DeploymentFolder} holds no mailhost executable; run ./build.sh --output {DeploymentFolder}");
        }
    }

    public string DeploymentFolder { get; }

    public string TestPluginsFolder { get; }

    public static string RepositoryRoot
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Mail.Host.sln")))
            {
                folder = folder.Parent;
            }

            return folder?.FullName ?? throw new InvalidOperationException("Mail.Host.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public void Dispose()
    {
        if (ownedFolder is not null && System.IO.Directory.Exists(ownedFolder))
        {
            System.IO.Directory.Delete(ownedFolder, recursive: true);
        }
    }

    private static void Build(string deployment, string testPlugins)
    {
        var start = new ProcessStartInfo("bash", ["build.sh", "--output", deployment, "--test-plugins", testPlugins])
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("build.sh took longer than 10 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"build.sh failed ({process.ExitCode}):\n{output.Result}\n{error.Result}");
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// What a third party does, outside this repository: install the plugin templates from the deployment's packages
/// folder, generate a store backend, build it and run the conformance kit against it from the packages, publish it
/// into a deployment, make it the data store, deliver and read mail through the real server, then disable it again.
/// Every step's time and the generated backend's size are written to the test output.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class PluginTemplateTests(DeploymentFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const string AdminPassword = "Template-Admin-2026";
    private const string PluginId = "acme-store";
    private static readonly Dictionary<string, string?> ServerEnvironment = new() { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword };

    // Outside the repository on purpose: nothing of its Directory.Build.props, Directory.Packages.props or
    // global.json may help the generated solution build.
    private readonly string work = Path.Combine(Path.GetTempPath(), "mailhost-template-" + Guid.NewGuid().ToString("N"));
    private readonly List<(string Step, TimeSpan Took)> timings = [];

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    [Fact]
    public async Task A_store_generated_from_the_template_passes_the_kit_then_serves_mail_and_is_disabled_again()
    {
        var total = Stopwatch.StartNew();
        var packages = Path.Combine(fixture.DeploymentFolder, "packages");
        Assert.True(System.IO.Directory.Exists(packages), $"{packages} is missing: the deployment was built by a build.sh that does not pack the contracts.");
        var templatePackage = Assert.Single(System.IO.Directory.GetFiles(packages, "Mail.Host.Templates.*.nupkg"));
        var contractsPackage = Path.GetFileNameWithoutExtension(Assert.Single(System.IO.Directory.GetFiles(packages, "Mail.Host.Abstractions.*.nupkg")));
        var contractsVersion = contractsPackage["Mail.Host.Abstractions.".Length..];
        System.IO.Directory.CreateDirectory(work);
        var hive = Path.Combine(work, "template-hive");
        var solution = Path.Combine(work, "Acme.Store");

        await StepAsync("dotnet new install (template package)", work, "dotnet", "new", "install", templatePackage, "--debug:custom-hive", hive);
        await StepAsync("dotnet new mailhost-store -n Acme.Store", work, "dotnet", "new", "mailhost-store", "-n", "Acme.Store", "--package-source", packages, "--no-update-check", "--debug:custom-hive", hive);
        var descriptor = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(solution, "src", "Acme.Store", "plugin.json")))!;
        Assert.Equal(PluginId, descriptor["id"]!.GetValue<string>());
        Assert.Equal("Acme.Store.dll", descriptor["assembly"]!.GetValue<string>());
        Assert.Equal(contractsVersion, descriptor["contractsVersion"]!.GetValue<string>());

        await StepAsync("dotnet build (restore from the packages folder and nuget.org)", solution, "dotnet", "build", "-c", "Release", "--nologo", "-v", "q", "--disable-build-servers");
        var tests = await StepAsync("dotnet test (conformance kit)", solution, "dotnet", "test", "-c", "Release", "--no-build", "--nologo", "--disable-build-servers");
        Assert.Contains("Failed:     0", tests.Output, StringComparison.Ordinal);
        Assert.Matches(@"Passed:\s+[1-9][0-9]", tests.Output);

        using var deployment = new TestDeployment(fixture);
        await StepAsync("publish.sh into the deployment's plugins/", solution, "bash", "publish.sh", deployment.Folder, "--no-build", "-v", "q", "--disable-build-servers");
        Assert.True(File.Exists(Path.Combine(deployment.PluginsFolder, PluginId, "Acme.Store.dll")));
        Assert.False(File.Exists(Path.Combine(deployment.PluginsFolder, PluginId, "Mail.Host.Abstractions.dll")), "The plugin carries its own copy of the contracts.");

        // Every role on the new store: the engine's adapters serve blobs, the full-text index and lookups over it.
        deployment.EditManifest(m =>
        {
            m["Plugins"]![PluginId] = new JsonObject { ["Enabled"] = true };
            m["Plugins"]!["rocksdb"]!["Enabled"] = false;
            m["Plugins"]!["filesystem"]!["Enabled"] = false;
            m["Stores"] = new JsonObject { ["main"] = new JsonObject { ["Type"] = PluginId, ["Path"] = "data/acme-store.journal" } };
            m["Roles"] = new JsonObject { ["Data"] = "main", ["Blob"] = "main", ["FullText"] = "main", ["Lookup"] = "main" };
        });
        var enabled = await TimedAsync("mailhost plugins (enabled)", () => deployment.RunAsync("plugins"));
        Assert.True(enabled.ExitCode == 0, enabled.ToString());
        Assert.Contains("loaded", Row(enabled, PluginId));
        Assert.Contains($"store:{PluginId}(data)", Row(enabled, PluginId));

        var message = Encoding.ASCII.GetBytes(
            "From: Wile E. Coyote <wile@acme.example>\r\nTo: alice@example.org\r\nSubject: Rocket skates\r\n" +
            "Message-ID: <template-test@acme.example>\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + string.Concat(Enumerable.Repeat("Beep beep. Order number 4711.\r\n", 2000)));
        var server = await TimedAsync("start the host on the acme-store", () => deployment.StartServerAsync(ServerEnvironment));
        await TimedAsync("deliver and read back through the admin API", async () =>
        {
            var mail = new MailClient(server.Http, AdminPassword);
            await mail.AddDomainAsync("example.org");
            await mail.AddAccountAsync("alice", "alice@example.org");
            var (status, outcomes) = await mail.DeliverAsync(message, CancellationToken.None, "alice@example.org");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(["delivered"], outcomes);
            var stored = Assert.Single(await mail.MessagesAsync("alice"));
            Assert.Equal("Rocket skates", stored.Subject);
            Assert.Equal(message, await mail.RawAsync("alice", stored.EmailId));
            return true;
        });
        Assert.Equal(0, await server.TerminateAsync(TimeSpan.FromSeconds(30)));
        server.Dispose();

        // The store journals every commit: a restarted server reads the same message back.
        server = await TimedAsync("restart and read back from the journal", async () =>
        {
            var restarted = await deployment.StartServerAsync(ServerEnvironment);
            var mail = new MailClient(restarted.Http, AdminPassword);
            var stored = Assert.Single(await mail.MessagesAsync("alice"));
            Assert.Equal(message, await mail.RawAsync("alice", stored.EmailId));
            return restarted;
        });
        Assert.Equal(0, await server.TerminateAsync(TimeSpan.FromSeconds(30)));
        server.Dispose();

        deployment.EditManifest(m =>
        {
            m["Plugins"]![PluginId]!["Enabled"] = false;
            m["Plugins"]!["rocksdb"]!["Enabled"] = true;
            m["Stores"] = new JsonObject { ["main"] = new JsonObject { ["Type"] = "rocksdb", ["Path"] = "data/rocksdb" } };
        });
        var disabled = await TimedAsync("mailhost plugins (disabled)", () => deployment.RunAsync("plugins"));
        Assert.True(disabled.ExitCode == 0, disabled.ToString());
        Assert.Contains("disabled", Row(disabled, PluginId));
        Assert.Contains(" no ", Row(disabled, PluginId));
        using (var without = await TimedAsync("start the host without it", () => deployment.StartServerAsync(ServerEnvironment)))
        {
            var health = await without.Http.GetStringAsync("/health");
            Assert.Contains("rocksdb", health, StringComparison.Ordinal);
            Assert.Equal(0, await without.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        var lines = System.IO.Directory.GetFiles(Path.Combine(solution, "src", "Acme.Store"), "*.cs").Sum(f => File.ReadLines(f).Count());
        var code = System.IO.Directory.GetFiles(Path.Combine(solution, "src", "Acme.Store"), "*.cs")
            .Sum(f => File.ReadLines(f).Count(l => l.Trim() is { Length: > 0 } t && !t.StartsWith("//", StringComparison.Ordinal)));
        var testLines = System.IO.Directory.GetFiles(Path.Combine(solution, "tests", "Acme.Store.Tests"), "*.cs").Sum(f => File.ReadLines(f).Count());
        output.WriteLine($"generated backend: {lines} lines of C# in src/Acme.Store ({code} without blank lines and comments); tests: {testLines} lines");
        foreach (var (step, took) in timings)
        {
            output.WriteLine($"{took.TotalSeconds,7:F1} s  {step}");
        }

        output.WriteLine($"{total.Elapsed.TotalSeconds,7:F1} s  the whole workflow");
    }

    private static string Row(CommandResult result, string id)
        => result.Output.Split('\n').SingleOrDefault(l => l.StartsWith(id + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"No row for {id}:\n{result}");

    private async Task<T> TimedAsync<T>(string step, Func<Task<T>> run)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await run();
        timings.Add((step, stopwatch.Elapsed));
        return result;
    }

    private Task<CommandResult> StepAsync(string step, string folder, string program, params string[] arguments)
        => TimedAsync(step, async () =>
        {
            var result = await RunAsync(folder, program, arguments);
            Assert.True(result.ExitCode == 0, $"{step}: {program} {string.Join(' ', arguments)}\n{result}");
            return result;
        });

    private async Task<CommandResult> RunAsync(string folder, string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // The test host runs under dotnet test; its MSBuild and test platform variables must not leak into the
        // builds a third party would start from a plain shell.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || k.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        // A package cache of its own: the machine's may hold an older Mail.Host.Abstractions of the same version.
        start.Environment["NUGET_PACKAGES"] = Path.Combine(work, "nuget-packages");

        using var process = Process.Start(start)!;
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within 5 minutes:\n{await standardOutput}\n{await standardError}");
        }

        return new CommandResult(process.ExitCode, await standardOutput, await standardError);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// A private copy of the deployment folder for one test: its manifest and plugin folders can be changed freely, and
/// the real mailhost executable runs from it.
/// </summary>
public sealed class TestDeployment : IDisposable
{
    private readonly DeploymentFixture fixture;
    private readonly List<ServerProcess> servers = [];
    private readonly Dictionary<string, int> listenerPorts = [];

    /// <summary>
    /// A manifest for the plugin host's own tests: the in-memory and filesystem plugins and a static directory, so the
    /// tests of plugin loading do not depend on what the default manifest chooses.
    /// </summary>
    public const string PluginHostManifest = """
        {
          "Server": { "Hostname": "localhost", "PluginsDirectory": "plugins", "DataDirectory": "data" },
          "Http": { "Urls": [ "http://127.0.0.1:8080" ] },
          "Plugins": { "memory": { "Enabled": true }, "filesystem": { "Enabled": true } },
          "Stores": { "main": { "Type": "memory" }, "blobs": { "Type": "filesystem", "Path": "data/blobs" } },
          "Roles": { "Data": "main", "Blob": "blobs", "FullText": "main", "Lookup": "main" },
          "Directories": { "local": { "Type": "static", "Domains": [ "localhost" ], "Principals": [] } },
          "Authentication": { "Directory": "local" },
          "Listeners": {},
          "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } }
        }
        """;

    /// <summary>A copy of the deployment with its default manifest, or with <paramref name="manifest"/> in its place.</summary>
    public TestDeployment(DeploymentFixture fixture, string? manifest = null)
    {
        this.fixture = fixture;
        Folder = Path.Combine(Path.GetTempPath(), "mailhost-" + Guid.NewGuid().ToString("N"));
        CopyDeployment(fixture.DeploymentFolder, Folder);
        if (manifest is not null)
        {
            File.WriteAllText(ManifestPath, manifest);
        }

        HttpPort = FreePort();
    }

    public string Folder { get; }

    public string ManifestPath => Path.Combine(Folder, "mailhost.json");

    public string PluginsFolder => Path.Combine(Folder, "plugins");

    public int HttpPort { get; }

    /// <summary>
    /// The port each listener of the manifest is moved to when the server starts (a free one per listener, so that
    /// tests and other test runs on the machine never compete for the manifest's fixed ports).
    /// </summary>
    public IReadOnlyDictionary<string, int> ListenerPorts => listenerPorts;

    public string HttpUrl => $"http://127.0.0.1:{HttpPort}";

    /// <summary>Copies a test plugin (from tests/plugins, published by the build) into this deployment's plugins folder.</summary>
    public void AddTestPlugin(string id) => CopyFolder(Path.Combine(fixture.TestPluginsFolder, id), Path.Combine(PluginsFolder, id));

    public void EditManifest(Action<JsonObject> edit)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(ManifestPath), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        edit(manifest);
        File.WriteAllText(ManifestPath, manifest.ToJsonString(new() { WriteIndented = true }));
    }

    /// <summary>
    /// Plugin folders start as links to the shared build (plugins with native libraries are large); a test that
    /// changes a plugin's files first turns its link into a private copy.
    /// </summary>
    public string MaterializePlugin(string pluginId)
    {
        var path = Path.Combine(PluginsFolder, pluginId);
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is { } target)
        {
            info.Delete();
            CopyFolder(Path.GetFullPath(target, PluginsFolder), path);
        }

        return path;
    }

    /// <summary>Removes a plugin folder (or its link) as an operator would delete it.</summary>
    public void RemovePlugin(string pluginId)
    {
        var info = new DirectoryInfo(Path.Combine(PluginsFolder, pluginId));
        if (info.LinkTarget is not null)
        {
            info.Delete();
        }
        else
        {
            info.Delete(recursive: true);
        }
    }

    public void EditDescriptor(string pluginId, Action<JsonObject> edit)
    {
        MaterializePlugin(pluginId);
        var path = Path.Combine(PluginsFolder, pluginId, "plugin.json");
        var descriptor = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(descriptor);
        File.WriteAllText(path, descriptor.ToJsonString());
    }

    /// <summary>Runs mailhost to completion with the HTTP port of this deployment.</summary>
    public Task<CommandResult> RunAsync(params string[] arguments) => RunWithEnvironmentAsync([], arguments);

    /// <summary>Runs mailhost to completion with extra environment variables.</summary>
    public async Task<CommandResult> RunWithEnvironmentAsync(Dictionary<string, string> environment, params string[] arguments)
    {
        var start = StartInfo(arguments);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mailhost {string.Join(' ', arguments)} did not exit within 60 s:\n{await output}\n{await error}");
        }

        return new CommandResult(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Runs a mailhost command that talks to a server rather than reading the manifest (account, domain, group), so
    /// no --manifest is added; a null value in <paramref name="environment"/> removes that variable.
    /// </summary>
    public async Task<CommandResult> RunCliAsync(IReadOnlyDictionary<string, string?> environment, string? standardInput, params string[] arguments)
    {
        var start = StartInfo(arguments, withManifest: false);
        start.RedirectStandardInput = true;
        Apply(start, environment);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mailhost {string.Join(' ', arguments)} did not exit within 60 s:\n{await output}\n{await error}");
        }

        return new CommandResult(process.ExitCode, await output, await error);
    }

    /// <summary>Starts <c>mailhost serve</c> and waits until /health answers; a null value in <paramref name="environment"/> removes that variable.</summary>
    public async Task<ServerProcess> StartServerAsync(IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = StartInfo(["serve"]);
        Apply(start, environment);
        var server = new ServerProcess(Process.Start(start)!, HttpUrl);
        servers.Add(server);
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        return server;
    }

    public void Dispose()
    {
        foreach (var server in servers)
        {
            server.Dispose();
        }

        try
        {
            // Links first, on their own, so that deleting this copy can never reach into the shared build.
            if (System.IO.Directory.Exists(PluginsFolder))
            {
                foreach (var plugin in new DirectoryInfo(PluginsFolder).EnumerateDirectories().Where(d => d.LinkTarget is not null))
                {
                    plugin.Delete();
                }
            }

            System.IO.Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A process that is still closing may hold a file for a moment; the temp folder is cleaned by the OS later.
        }
    }

    private static void Apply(ProcessStartInfo start, IReadOnlyDictionary<string, string?>? environment)
    {
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
    }

    private ProcessStartInfo StartInfo(IEnumerable<string> arguments, bool withManifest = true)
    {
        var start = new ProcessStartInfo(Path.Combine(Folder, "mailhost"))
        {
            // Started from elsewhere on purpose: relative paths must resolve against the manifest's folder.
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (withManifest && !arguments.Contains("--help") && !arguments.Contains("--manifest"))
        {
            start.ArgumentList.Add("--manifest");
            start.ArgumentList.Add(ManifestPath);
        }

        start.Environment["MAILHOST__Http__Urls__0"] = HttpUrl;
        if (withManifest && File.Exists(ManifestPath))
        {
            foreach (var name in ListenerNames())
            {
                if (!listenerPorts.TryGetValue(name, out var port))
                {
                    listenerPorts[name] = port = FreePort();
                }

                start.Environment[$"MAILHOST__Listeners__{name}__Bind__0"] = $"127.0.0.1:{port}";
            }
        }
        start.Environment["DOTNET_NOLOGO"] = "1";
        return start;
    }

    private IEnumerable<string> ListenerNames()
    {
        JsonNode? manifest;
        try
        {
            manifest = JsonNode.Parse(File.ReadAllText(ManifestPath), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }

        return manifest?["Listeners"] is JsonObject listeners ? [.. listeners.Select(l => l.Key)] : [];
    }

    /// <summary>
    /// A port no one listens on, below Linux's ephemeral range (32768 and up): a port the system handed out for
    /// "any free port" can be taken by an outgoing connection of another test before the server binds it, which made
    /// starts fail now and then with "address already in use". Ports given once are not given again in this run.
    /// </summary>
    private static int FreePort()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(20000, 32000);
                if (!HandedOut.Add(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // In use: try another.
                }
            }
        }

        using var fallback = new TcpListener(IPAddress.Loopback, 0);
        fallback.Start();
        return ((IPEndPoint)fallback.LocalEndpoint).Port;
    }

    private static readonly HashSet<int> HandedOut = [];

    private static void CopyDeployment(string source, string destination)
    {
        System.IO.Directory.CreateDirectory(destination);
        foreach (var file in System.IO.Directory.EnumerateFiles(source))
        {
            CopyFile(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (var folder in System.IO.Directory.EnumerateDirectories(source))
        {
            var name = Path.GetFileName(folder);
            if (name == "data")
            {
                continue;
            }

            if (name != "plugins")
            {
                CopyFolder(folder, Path.Combine(destination, name));
                continue;
            }

            var plugins = Path.Combine(destination, "plugins");
            System.IO.Directory.CreateDirectory(plugins);
            foreach (var plugin in System.IO.Directory.EnumerateDirectories(folder))
            {
                System.IO.Directory.CreateSymbolicLink(Path.Combine(plugins, Path.GetFileName(plugin)), plugin);
            }
        }
    }

    private static void CopyFile(string file, string target)
    {
        File.Copy(file, target);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, File.GetUnixFileMode(file));
        }
    }

    private static void CopyFolder(string source, string destination)
    {
        System.IO.Directory.CreateDirectory(destination);
        foreach (var file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(file));
            }
        }
    }
}

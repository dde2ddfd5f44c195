using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// A PostgreSQL server of one test's own (Debian's PostgreSQL 15 binaries, installed by scripts/services.sh), in a
/// temporary folder on a free loopback port, so the test can stop and start it without disturbing the server the
/// other tests share.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Binaries = "/usr/lib/postgresql/15/bin";
    private readonly string folder;

    private PrivatePostgres(string folder, int port)
    {
        this.folder = folder;
        Port = port;
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>A connection string for the <c>postgres</c> database.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5;Command Timeout=10";

    /// <summary>Whether the PostgreSQL binaries are on this machine.</summary>
    public static bool Available => File.Exists(Path.Combine(Binaries, "initdb")) && File.Exists("/usr/bin/su");

    /// <summary>Creates a new cluster and starts it.</summary>
    public static async Task<PrivatePostgres> StartNewAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mailhost-pg-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(folder);
        var server = new PrivatePostgres(folder, FreePort());
        await RunAsync("chown", "postgres", folder);
        await server.AsPostgresAsync($"{Binaries}/initdb -D {folder}/data -A trust -U postgres");
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts the server and waits until it accepts connections.</summary>
    public Task StartAsync()
        => AsPostgresAsync($"{Binaries}/pg_ctl -D {folder}/data -o '-p {Port} -k {folder} -c listen_addresses=127.0.0.1' -l {folder}/log -w start");

    /// <summary>Stops the server at once, cutting every connection, as a crash or an operator's emergency stop would.</summary>
    public Task StopAsync() => AsPostgresAsync($"{Binaries}/pg_ctl -D {folder}/data -m immediate -w stop");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync($"{Binaries}/pg_ctl -D {folder}/data -m immediate -w stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task AsPostgresAsync(string command) => RunAsync("su", "postgres", "-c", command);

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}

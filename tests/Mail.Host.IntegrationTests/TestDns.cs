using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// A real DNS server for one test: dnsmasq on a free loopback port, answering only from the records it is given
/// (every other name under <c>.test</c> is NXDOMAIN), plus names whose upstream is a closed port (SERVFAIL).
/// </summary>
public sealed class TestDns : IDisposable
{
    private readonly Process process;

    private TestDns(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts dnsmasq with the given options (e.g. <c>--mx-host=…</c>, <c>--txt-record=…</c>) and waits until it answers.</summary>
    public static async Task<TestDns> StartAsync(IEnumerable<string> records)
    {
        var binary = new[] { "/usr/sbin/dnsmasq", "/usr/bin/dnsmasq" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("dnsmasq is not installed; scripts/services.sh installs it (Debian package dnsmasq-base)");
        var port = FreeUdpPort();
        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "--keep-in-foreground", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
            "--local=/test/", "--user=root", "--pid-file=", "--log-facility=-", "--cache-size=0",
        }.Concat(records))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var dns = new TestDns(process, port);
        for (var i = 0; i < 100; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"dnsmasq exited: {await process.StandardError.ReadToEndAsync()}");
            }

            if (await AnswersAsync(port))
            {
                return dns;
            }

            await Task.Delay(50);
        }

        dns.Dispose();
        throw new TimeoutException("dnsmasq did not answer within 5 s");
    }

    /// <summary>A TXT record option, split into strings of at most 250 characters (no quotes: given as an argument, dnsmasq keeps them).</summary>
    public static string Txt(string name, string text) => $"--txt-record={name}," + string.Join(',', text.Chunk(250).Select(c => new string(c)));

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        // A query for "ready.test" A: any answer (NXDOMAIN included) means the server is up.
        byte[] query = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, .. "ready"u8, 4, .. "test"u8, 0, 0, 1, 0, 1];
        using var udp = new UdpClient();
        udp.Connect(IPAddress.Loopback, port);
        await udp.SendAsync(query);
        using var timeout = new CancellationTokenSource(200);
        try
        {
            await udp.ReceiveAsync(timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    private static int FreeUdpPort()
    {
        while (true)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }
}

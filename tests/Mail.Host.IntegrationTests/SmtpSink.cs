using System.Diagnostics;
using System.Net.Sockets;

namespace Mail.Host.IntegrationTests;

/// <summary>Postfix's smtp-sink on a loopback address, optionally refusing commands with 4xx (<c>-r</c>) or 5xx (<c>-f</c>).</summary>
public sealed class SmtpSink : IDisposable
{
    private readonly Process process;

    private SmtpSink(Process process) => this.process = process;

    public static async Task<SmtpSink> StartAsync(string address, int port, params string[] options)
    {
        var binary = new[] { "/usr/sbin/smtp-sink", "/usr/bin/smtp-sink" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("smtp-sink is not installed; scripts/services.sh installs it (Debian package postfix)");
        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var option in options.Concat(Environment.UserName == "root" ? ["-u", "nobody"] : Array.Empty<string>()).Concat([$"{address}:{port}", "64"]))
        {
            start.ArgumentList.Add(option);
        }

        var sink = new SmtpSink(Process.Start(start)!);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(address, port);
                return sink;
            }
            catch (SocketException)
            {
                if (sink.process.HasExited)
                {
                    throw new InvalidOperationException($"smtp-sink exited: {await sink.process.StandardError.ReadToEndAsync()}");
                }

                await Task.Delay(50);
            }
        }

        sink.Dispose();
        throw new TimeoutException("smtp-sink did not listen within 5 s");
    }

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
}

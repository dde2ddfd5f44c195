using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Mail.Host.IntegrationTests;

/// <summary>A running <c>mailhost serve</c>, its output collected, stopped with SIGTERM or killed.</summary>
public sealed partial class ServerProcess : IDisposable
{
    private const int SigTerm = 15;
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly HttpClient http;
    private bool disposed;

    public ServerProcess(Process process, string baseUrl)
    {
        this.process = process;
        http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public HttpClient Http => http;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mailhost serve exited with {process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"mailhost serve was not ready within {timeout}:\n{Output}");
    }

    /// <summary>Sends SIGTERM, as an init system or a container runtime would, and waits for the exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (Kill(process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);

        // WaitForExit with no timeout drains the redirected output.
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Kills the process with SIGKILL, as a power cut or the OOM killer would: nothing runs on the way out.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
        http.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

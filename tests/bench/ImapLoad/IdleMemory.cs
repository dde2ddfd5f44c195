namespace Mail.Host.ImapLoad;

/// <summary>Resident memory per idle connection: N sessions logged in, INBOX selected, in IDLE; the server's RSS and PSS before and after.</summary>
internal static class IdleMemory
{
    public static async Task<(double RssPerConnectionKiB, double PssPerConnectionKiB, long RssBeforeKiB, long RssAfterKiB, int Processes)> MeasureAsync(
        LoadTarget target, int connections, TextWriter log, CancellationToken cancellationToken)
    {
        var pid = target.Pid ?? throw new ArgumentException($"{target.Label}: the idle measurement needs the server's PID (LABEL=HOST:PORT:USER:PASSWORD:PID)");
        GC.Collect();
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var before = ProcessMemory.Measure(pid);
        var clients = new List<LoadClient>();
        try
        {
            using var gate = new SemaphoreSlim(20);
            var opening = Enumerable.Range(0, connections).Select(async _ =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    var client = await LoadClient.ConnectAsync(target, cancellationToken);
                    lock (clients)
                    {
                        clients.Add(client);
                    }

                    if (!await client.CommandAsync($"LOGIN \"{target.User}\" \"{target.Password}\"", cancellationToken)
                        || !await client.CommandAsync("SELECT INBOX", cancellationToken))
                    {
                        throw new IOException($"{target.Label}: LOGIN or SELECT refused");
                    }

                    await client.IdleAsync(cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            });
            await Task.WhenAll(opening);
            await log.WriteLineAsync($"{target.Label}: {connections} connections in IDLE");
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            var after = ProcessMemory.Measure(pid);
            return ((after.RssKiB - before.RssKiB) / (double)connections, (after.PssKiB - before.PssKiB) / (double)connections, before.RssKiB, after.RssKiB, after.Processes);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using Mail.Host.Benchmarks.Generation;
using Mail.Host.Engine.Mail;
using Mail.Host.Engine.Storage;
using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Benchmarks;

/// <summary>
/// The mailbox the full-text queries run on: generated messages delivered into one account through the engine and
/// indexed under their email ids, in the same data store. Loading 10,000 messages into a backend on disk takes
/// minutes, and BenchmarkDotNet runs each benchmark in a new process, so the files of a loaded dataset are kept
/// (under <see cref="BenchmarkStore.Root"/>) and opened again; the in-memory backend is loaded in every process.
/// </summary>
internal static class FullTextDataset
{
    /// <summary>The account holding the messages.</summary>
    public const ulong AccountId = 1;

    /// <summary>Part of the folder name of a kept dataset; raise it whenever the generator's output changes.</summary>
    private const int Version = 1;

    private const string LoadedSubspace = "bench_dataset";

    private static readonly byte[] LoadedKey = "loaded"u8.ToArray();

    /// <summary>Messages generated and loaded at a time, so the whole dataset is never in memory at once.</summary>
    private const int ChunkSize = 500;

    /// <summary>Concurrent loaders: enough for the backends' group commit to combine writes.</summary>
    private const int Loaders = 16;

    /// <summary>Opens the dataset of <paramref name="messages"/> messages on <paramref name="backend"/>, loading it if needed.</summary>
    public static async ValueTask<(BenchmarkStore Store, string? ScratchFolder)> OpenAsync(string backend, int messages)
    {
        if (Backend.IsServer(backend))
        {
            // One dataset per server for the run: its tables carry the dataset's name, and a key written after the
            // load says it is complete, so the second and later benchmark processes reuse it.
            // A native full-text mode keeps its index in tables of its own, so its dataset is loaded on its own.
            var native = backend is Backend.PostgreSqlNative or Backend.MariaDbNative ? "n" : string.Empty;
            var prefix = string.Create(CultureInfo.InvariantCulture, $"fts{messages}v{Version}{native}_");
            var server = await BenchmarkStore.OpenAsync(backend, BenchmarkStore.NewFolder("fts-" + backend), tablePrefix: prefix);
            if (await server.Data.GetAsync(LoadedSubspace, LoadedKey) is null)
            {
                await LoadAsync(server, backend, messages);
                await server.Data.CommitAsync(new WriteBatch().Set(LoadedSubspace, LoadedKey, [1]));
            }
            else
            {
                Console.WriteLine($"// Dataset: {messages} messages already loaded in tables {prefix}*");
            }

            return (server, null);
        }

        if (!Backend.IsPersistent(backend))
        {
            var scratch = BenchmarkStore.NewFolder("fts-" + backend);
            var memory = await BenchmarkStore.OpenAsync(backend, scratch);
            await LoadAsync(memory, backend, messages);
            return (memory, scratch);
        }

        var folder = Path.Combine(BenchmarkStore.Root, string.Create(CultureInfo.InvariantCulture, $"fts-{backend}-{messages}-seed{MessageGenerator.DefaultSeed}-v{Version}"));
        var marker = Path.Combine(folder, "loaded");
        if (!File.Exists(marker))
        {
            BenchmarkStore.DeleteFolder(folder);

            // Unsynced writes load faster; a crash mid-load is harmless since the marker is written last.
            var loading = await BenchmarkStore.OpenAsync(backend, folder, syncWrites: false);
            await using (loading)
            {
                await LoadAsync(loading, backend, messages);
            }

            await File.WriteAllTextAsync(marker, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        }
        else
        {
            Console.WriteLine($"// Dataset: {messages} messages already loaded in {folder}");
        }

        return (await BenchmarkStore.OpenAsync(backend, folder), null);
    }

    private static async ValueTask LoadAsync(BenchmarkStore store, string backend, int messages)
    {
        var clock = Stopwatch.StartNew();
        var engine = new MailEngine(store.Data, store.Blobs);
        var index = store.FullText;
        var generator = new MessageGenerator();
        await engine.OpenAccount(AccountId).GetMailboxesAsync();
        long bytes = 0;
        for (var loaded = 0; loaded < messages; loaded += ChunkSize)
        {
            var chunk = generator.Generate(Math.Min(ChunkSize, messages - loaded)).ToList();
            bytes += chunk.Sum(m => (long)m.Raw.Length);
            await Parallel.ForEachAsync(chunk, new ParallelOptions { MaxDegreeOfParallelism = Loaders }, async (message, cancellationToken) =>
            {
                using var raw = new MemoryStream(message.Raw, writable: false);
                var results = await engine.DeliverAsync(raw, [AccountId], cancellationToken: cancellationToken);
                if (results[0].Status != DeliveryStatus.Delivered)
                {
                    throw new InvalidOperationException($"Message {message.Index} was not delivered: {results[0].Status}.");
                }

                await index.IndexAsync(new FullTextDocument(AccountId, results[0].EmailId, message.Fields), cancellationToken);
            });
        }

        Console.WriteLine($"// Dataset: {messages} messages ({bytes / (1024.0 * 1024):F0} MiB) delivered and indexed on {backend} in {clock.Elapsed.TotalSeconds:F0} s");
    }
}

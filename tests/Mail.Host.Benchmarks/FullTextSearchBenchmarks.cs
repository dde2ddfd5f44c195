using BenchmarkDotNet.Attributes;
using Mail.Host.Engine.Storage;
using Mail.Host.Storage;

namespace Mail.Host.Benchmarks;

/// <summary>
/// Full-text query latency on one account holding <see cref="BenchmarkSettings.Messages"/> generated messages
/// (10,000 by default), through the engine's index over the backend's data store (<see cref="DataStoreFullTextStore"/>).
/// One operation is one query, answered with every matching document id.
/// </summary>
[MemoryDiagnoser]
public class FullTextSearchBenchmarks
{
    private BenchmarkStore? store;
    private string? scratch;
    private IFullTextStore? index;

    /// <summary>The backend holding the index.</summary>
    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = Backend.Memory;

    /// <summary>The backends of this run (see <see cref="Backend.Available"/>).</summary>
    public static IEnumerable<string> Stores => Backend.Available(withNativeFullText: true);

    /// <summary>Opens (loading it if needed) the dataset and reports what each query matches.</summary>
    /// <returns>A task that completes when the index is ready.</returns>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        (store, scratch) = await FullTextDataset.OpenAsync(Store, BenchmarkSettings.Messages);
        index = store.FullText;
        foreach (var (name, text, filter) in SearchQueries.All)
        {
            var hits = await index.QueryAsync(FullTextDataset.AccountId, filter);
            Console.WriteLine($"// {name} ({text}): {hits.Count} of {BenchmarkSettings.Messages} messages match");
            if (hits.Count == 0)
            {
                // Every query is chosen to match; timing an empty index would measure nothing.
                throw new InvalidOperationException($"{name} matches nothing on {Store}: the dataset's index is missing or incomplete.");
            }
        }
    }

    /// <summary>Closes the store; a kept dataset stays on disk for the next run.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (store is not null)
        {
            await store.DisposeAsync();
            store = null;
        }

        if (scratch is not null)
        {
            BenchmarkStore.DeleteFolder(scratch);
        }
    }

    /// <summary>One common word.</summary>
    /// <returns>The number of matches.</returns>
    [Benchmark]
    public Task<int> SingleWord() => CountAsync(SearchQueries.SingleWord);

    /// <summary>Two words, both required.</summary>
    /// <returns>The number of matches.</returns>
    [Benchmark]
    public Task<int> TwoWordAnd() => CountAsync(SearchQueries.TwoWordAnd);

    /// <summary>A three-word phrase.</summary>
    /// <returns>The number of matches.</returns>
    [Benchmark]
    public Task<int> Phrase() => CountAsync(SearchQueries.Phrase);

    /// <summary>A four-letter prefix.</summary>
    /// <returns>The number of matches.</returns>
    [Benchmark]
    public Task<int> Prefix() => CountAsync(SearchQueries.Prefix);

    /// <summary>A word in a handful of messages.</summary>
    /// <returns>The number of matches.</returns>
    [Benchmark]
    public Task<int> RareTerm() => CountAsync(SearchQueries.RareTerm);

    private async Task<int> CountAsync(FullTextFilter filter)
    {
        var hits = await index!.QueryAsync(FullTextDataset.AccountId, filter);
        return hits.Count;
    }
}

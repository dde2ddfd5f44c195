using System.Diagnostics;
using System.Text;
using Mail.Host.Benchmarks.Generation;
using Mail.Host.Engine.Storage;
using Mail.Host.Storage;

namespace Mail.Host.Benchmarks;

/// <summary>
/// Prints what the generated mail looks like and what each measured query matches in it (<c>--describe</c>), without
/// running any benchmark: the check that the dataset is the one the figures claim.
/// </summary>
internal static class DatasetDescription
{
    public static async Task PrintAsync(int messages)
    {
        var sizes = new List<int>();
        int attachments = 0, html = 0, replies = 0;
        foreach (var message in new MessageGenerator().Generate(messages))
        {
            sizes.Add(message.Raw.Length);
            attachments += message.Fields.Any(f => f.Name == FullTextFieldNames.Attachment) ? 1 : 0;
            var head = Encoding.ASCII.GetString(message.Raw.AsSpan(0, Math.Min(message.Raw.Length, 4096)));
            replies += head.Contains("\r\nIn-Reply-To:", StringComparison.Ordinal) ? 1 : 0;
            html += Encoding.ASCII.GetString(message.Raw).Contains("Content-Type: text/html", StringComparison.Ordinal) ? 1 : 0;
        }

        sizes.Sort();
        Console.WriteLine($"{messages} messages, {sizes.Sum(s => (long)s) / (1024.0 * 1024):F1} MiB");
        Console.WriteLine($"  size: mean {sizes.Average() / 1024:F1} KiB, median {sizes[sizes.Count / 2] / 1024.0:F1} KiB, p90 {sizes[sizes.Count * 9 / 10] / 1024.0:F1} KiB, max {sizes[^1] / 1024.0:F0} KiB");
        Console.WriteLine($"  with attachments {Percent(attachments, messages)}, with an HTML alternative {Percent(html, messages)}, replies {Percent(replies, messages)}");
        var textOnly = new MessageGenerator().Generate(Math.Min(messages, 2000)).Where(m => m.Fields.All(f => f.Name != FullTextFieldNames.Attachment)).Select(m => m.Raw.Length).ToList();
        Console.WriteLine($"  without attachments: mean {textOnly.Average() / 1024:F1} KiB (first {Math.Min(messages, 2000)} messages)");

        var clock = Stopwatch.StartNew();
        var (store, scratch) = await FullTextDataset.OpenAsync(Backend.Memory, messages);
        await using (store)
        {
            Console.WriteLine($"  loaded on {Backend.Memory} in {clock.Elapsed.TotalSeconds:F1} s");
            var index = new DataStoreFullTextStore(store.Data);
            foreach (var (name, text, filter) in SearchQueries.All)
            {
                var hits = await index.QueryAsync(FullTextDataset.AccountId, filter);
                Console.WriteLine($"  {name,-12} {text,-27} {hits.Count,6} matches ({Percent(hits.Count, messages)})");
            }
        }

        if (scratch is not null)
        {
            BenchmarkStore.DeleteFolder(scratch);
        }
    }

    private static string Percent(int part, int whole) => $"{100.0 * part / whole:F1}%";
}

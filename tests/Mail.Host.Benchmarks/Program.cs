using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace Mail.Host.Benchmarks;

/// <summary>Runs the benchmarks: this program's own switches, then BenchmarkDotNet's command line.</summary>
internal static class Program
{
    private const string Usage = """
        Mail Host benchmarks: deliveries per second and full-text query latency on the memory, rocksdb and
        sqlite backends (docs/benchmarks.md).

        Usage:
          dotnet run -c Release --project tests/Mail.Host.Benchmarks -- [options] [BenchmarkDotNet options]

        Options:
          --quick            a short job (1 launch, 3 warm-up and 3 measured iterations), the same as
                             BenchmarkDotNet's --job short: the whole set in about half an hour on 2 cores
                             once the datasets are loaded (the first run loads them: about 15 minutes more)
          --messages N       messages in the full-text dataset (default 10000)
          --describe         print what the generated mail looks like and what each query matches, then exit
          -h, --help         this text, then BenchmarkDotNet's options

        Examples:
          ... -- --filter '*' --quick                       everything, quickly
          ... -- --filter '*Delivery*'                      deliveries only, full precision
          ... -- --filter '*FullText*' --quick --messages 50000
          ... -- --list flat                                the benchmark names

        Benchmarks (--filter matches Namespace.Class.Method):
          DeliveryBenchmarks.Deliver           32 concurrent callers, 256 deliveries per invocation, to 1 or 3 of
                                               256 accounts; Op/s is deliveries per second
          FullTextSearchBenchmarks.SingleWord, TwoWordAnd, Phrase, Prefix, RareTerm
                                               one query on one account of the dataset; Mean is its latency

        The full-text dataset on rocksdb and sqlite is loaded once (a few minutes) and kept under
        {0}; delete that folder to load it again.
        Results go to BenchmarkDotNet.Artifacts/ in the current folder.
        """;

    public static async Task<int> Main(string[] args)
    {
        var rest = new List<string>();
        var quick = false;
        var describe = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help" or "-?":
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, Usage, BenchmarkStore.Root));
                    Console.WriteLine();
                    rest.Add("--help");
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--describe":
                    describe = true;
                    break;
                case "--messages":
                    if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var messages) || messages < 1)
                    {
                        Console.Error.WriteLine("--messages needs a positive whole number, such as --messages 10000.");
                        return 2;
                    }

                    // The benchmark processes inherit the variable; they never see this program's arguments.
                    Environment.SetEnvironmentVariable(BenchmarkSettings.MessagesVariable, messages.ToString(CultureInfo.InvariantCulture));
                    i++;
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (describe)
        {
            await DatasetDescription.PrintAsync(BenchmarkSettings.Messages);
            return 0;
        }

        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddColumn(StatisticColumn.OperationsPerSecond)

            // The generated project rebuilds the engine and three plugins; on a small, busy machine that takes more
            // than the default two minutes.
            .WithBuildTimeout(TimeSpan.FromMinutes(10));
        if (quick)
        {
            config = config.AddJob(Job.ShortRun.WithId("Quick"));
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}

using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Mail.Host.Benchmarks.Generation;
using Mail.Host.Engine.Mail;
using Mail.Host.Mail;

namespace Mail.Host.Benchmarks;

/// <summary>
/// Deliveries per second: many SMTP sessions handing generated messages to <see cref="IMailEngine.DeliverAsync"/>
/// at once, each to one or three local recipients, on an engine whose blobs live in the same data store.
/// </summary>
/// <remarks>
/// One operation is one delivery (one message, all its recipients), so BenchmarkDotNet's <c>Op/s</c> column is
/// deliveries per second. Every delivery gets its own <c>Received</c> header, as a server adds one, so no two are the
/// same content and none is saved by the content-addressed blob store. Recipients are spread over
/// <see cref="Accounts"/> accounts, so callers mostly write to different accounts, as on a real server.
/// </remarks>
[MemoryDiagnoser]
public class DeliveryBenchmarks
{
    /// <summary>The deliveries one invocation makes.</summary>
    public const int DeliveriesPerInvoke = 256;

    /// <summary>The concurrent callers, standing for SMTP sessions.</summary>
    public const int Callers = 32;

    /// <summary>The recipient accounts, created before measuring.</summary>
    public const int Accounts = 256;

    /// <summary>The distinct generated messages the deliveries cycle through.</summary>
    private const int MessagePool = 1024;

    private static readonly DateTimeOffset ReceivedBase = new(2025, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private string folder = string.Empty;
    private BenchmarkStore? store;
    private MailEngine? engine;
    private byte[][] messages = [];
    private long sequence;

    /// <summary>The backend under the engine.</summary>
    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = Backend.Memory;

    /// <summary>The backends of this run (see <see cref="Backend.Available"/>).</summary>
    public static IEnumerable<string> Stores => Backend.Available();

    /// <summary>The recipients of each delivery.</summary>
    [Params(1, 3)]
    public int Recipients { get; set; } = 1;

    /// <summary>Opens an empty store, creates the accounts and generates the messages.</summary>
    /// <returns>A task that completes when all is ready.</returns>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        folder = BenchmarkStore.NewFolder("deliveries-" + Store);
        store = await BenchmarkStore.OpenAsync(Store, folder);
        engine = new MailEngine(store.Data, store.Blobs);
        messages = new MessageGenerator().Generate(MessagePool).Select(m => m.Raw).ToArray();
        var created = engine;
        await Parallel.ForEachAsync(
            Enumerable.Range(1, Accounts),
            new ParallelOptions { MaxDegreeOfParallelism = Callers },
            async (account, cancellationToken) => await created.OpenAccount((ulong)account).GetMailboxesAsync(cancellationToken));
    }

    /// <summary>Closes the store and deletes its files.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (store is not null)
        {
            await store.DisposeAsync();
            store = null;
        }

        BenchmarkStore.DeleteFolder(folder);
    }

    /// <summary>Makes <see cref="DeliveriesPerInvoke"/> deliveries from <see cref="Callers"/> concurrent callers.</summary>
    /// <returns>A task that completes when every delivery is durable.</returns>
    [Benchmark(OperationsPerInvoke = DeliveriesPerInvoke)]
    public async Task Deliver()
    {
        var first = sequence;
        sequence += DeliveriesPerInvoke;
        var next = -1;
        var callers = new Task[Callers];
        for (var c = 0; c < callers.Length; c++)
        {
            callers[c] = Task.Run(async () =>
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) < DeliveriesPerInvoke)
                {
                    await DeliverOneAsync(first + n);
                }
            });
        }

        await Task.WhenAll(callers);
    }

    private async Task DeliverOneAsync(long n)
    {
        var recipients = new ulong[Recipients];
        var account = (int)(n * 37 % Accounts);
        for (var r = 0; r < recipients.Length; r++)
        {
            recipients[r] = (ulong)((account + (r * 85)) % Accounts) + 1;
        }

        var body = messages[n % messages.Length];
        var received = Encoding.ASCII.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"Received: from mx{n % 7}.example.net (mx{n % 7}.example.net [192.0.2.{n % 250}])\r\n\tby mail.example.com with ESMTPS id {n:x12}\r\n\tfor <user{recipients[0]}@example.com>; {ReceivedBase.AddSeconds(n):r}\r\n"));
        var raw = new byte[received.Length + body.Length];
        received.CopyTo(raw, 0);
        body.CopyTo(raw, received.Length);
        using var message = new MemoryStream(raw, writable: false);
        var results = await engine!.DeliverAsync(message, recipients);
        foreach (var result in results)
        {
            if (result.Status != DeliveryStatus.Delivered)
            {
                throw new InvalidOperationException($"Delivery {n} to account {result.AccountId} ended {result.Status}.");
            }
        }
    }
}

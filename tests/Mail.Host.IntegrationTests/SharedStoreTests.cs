using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit.Abstractions;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// Two host processes sharing their stores, as a cluster behind a load balancer would: PostgreSQL for data and the
/// full-text index, s3rver for blobs, Redis for lookup data and the notifications between the processes. Mail goes
/// in through one and is read, watched and flagged through the other.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class SharedStoreTests(DeploymentFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const string AdminPassword = "Shared-Admin-2026";
    private const string AlicePassword = "Pass-alice-2026!";
    private readonly TestDeployment first = new(fixture);
    private readonly TestDeployment second = new(fixture);

    public void Dispose()
    {
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public async Task Mail_delivered_to_one_process_is_pushed_read_and_flagged_through_the_other()
    {
        var postgres = System.Environment.GetEnvironmentVariable("MAILHOST_TEST_POSTGRES");
        var s3 = System.Environment.GetEnvironmentVariable("MAILHOST_TEST_S3");
        var redis = System.Environment.GetEnvironmentVariable("MAILHOST_TEST_REDIS");
        if (postgres is null || s3 is null || redis is null)
        {
            Assert.True(System.Environment.GetEnvironmentVariable("MAILHOST_TEST_REQUIRE_TOOLS") != "1", "PostgreSQL, s3rver and Redis should have been started by scripts/services.sh");
            output.WriteLine("SKIPPED: needs MAILHOST_TEST_POSTGRES, MAILHOST_TEST_S3 and MAILHOST_TEST_REDIS (run ./test.sh, which starts them)");
            return;
        }

        var unique = Guid.NewGuid().ToString("N")[..12];
        foreach (var deployment in new[] { first, second })
        {
            deployment.EditManifest(m =>
            {
                m["Plugins"]!["rocksdb"]!["Enabled"] = false;
                m["Plugins"]!["filesystem"]!["Enabled"] = false;
                m["Plugins"]!["postgresql"] = new JsonObject { ["Enabled"] = true };
                m["Plugins"]!["s3"] = new JsonObject { ["Enabled"] = true };
                m["Plugins"]!["redis"] = new JsonObject { ["Enabled"] = true };
                m["Stores"] = new JsonObject
                {
                    ["main"] = new JsonObject { ["Type"] = "postgresql", ["ConnectionString"] = postgres, ["TablePrefix"] = $"shared{unique}_" },
                    ["blobs"] = new JsonObject
                    {
                        ["Type"] = "s3", ["Endpoint"] = s3, ["Bucket"] = $"shared-{unique}", ["KeyPrefix"] = "blobs",
                        ["AccessKey"] = "S3RVER", ["SecretKey"] = "S3RVER", ["Region"] = "us-east-1",
                    },
                    ["cache"] = new JsonObject { ["Type"] = "redis", ["Endpoints"] = new JsonArray(redis), ["KeyPrefix"] = $"shared{unique}:" },
                };
                m["Roles"] = new JsonObject { ["Data"] = "main", ["Blob"] = "blobs", ["FullText"] = "main", ["Lookup"] = "cache" };
            });
        }

        var environment = new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword };
        var serverA = await first.StartServerAsync(environment);
        var mail = new MailClient(serverA.Http, AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
        var serverB = await second.StartServerAsync(environment);

        // On B: an IMAP client in IDLE and a JMAP EventSource, both watching alice's mail.
        using var imapB = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await imapB.ConnectAsync("127.0.0.1", second.ListenerPorts["imap"], SecureSocketOptions.StartTls);
        await imapB.AuthenticateAsync("alice", AlicePassword);
        var inboxB = imapB.Inbox;
        await inboxB.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(0, inboxB.Count);
        var exists = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        inboxB.CountChanged += (_, _) => exists.TrySetResult(clock.Elapsed);
        using var idleDone = new CancellationTokenSource();
        var idle = imapB.IdleAsync(idleDone.Token);

        using var jmap = new HttpClient { BaseAddress = new Uri(second.HttpUrl), Timeout = Timeout.InfiniteTimeSpan };
        jmap.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + AlicePassword)));
        using var streamCancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var events = await jmap.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/jmap/eventsource/?types=*&closeafter=no&ping=0"), HttpCompletionOption.ResponseHeadersRead, streamCancel.Token);
        Assert.True(events.IsSuccessStatusCode, $"EventSource answered {(int)events.StatusCode}");
        var stateChange = ReadStateChangeAsync(await events.Content.ReadAsStreamAsync(streamCancel.Token), clock, streamCancel.Token);

        // Give both watchers a moment to be registered, then deliver to A over SMTP.
        await Task.Delay(500);
        var message = Encoding.ASCII.GetBytes($"From: bob@elsewhere.test\r\nTo: alice@example.org\r\nSubject: Across processes\r\nMessage-ID: <{unique}@test>\r\n\r\nDelivered to A, seen on B.\r\n");
        clock.Start();
        using (var wire = await SmtpWire.ConnectAsync(first.ListenerPorts["smtp"]))
        {
            await wire.ReplyAsync();
            await wire.CommandAsync("EHLO cluster.test");
            Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<bob@elsewhere.test>"));
            Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<alice@example.org>"));
            Assert.StartsWith("354", await wire.CommandAsync("DATA"));
            await wire.SendAsync([.. message, .. Encoding.ASCII.GetBytes(".\r\n")]);
            Assert.StartsWith("250", await wire.ReplyAsync());
        }

        var acknowledged = clock.Elapsed;
        var idleSaw = await exists.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var pushSaw = await stateChange.WaitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"250 after {acknowledged.TotalMilliseconds:F0} ms; IMAP IDLE on B saw EXISTS after {idleSaw.TotalMilliseconds:F0} ms; JMAP EventSource on B got a StateChange after {pushSaw.TotalMilliseconds:F0} ms");
        Assert.True(idleSaw <= acknowledged + TimeSpan.FromSeconds(2), $"IDLE on B saw the delivery {idleSaw.TotalMilliseconds:F0} ms after the start (250 at {acknowledged.TotalMilliseconds:F0} ms)");
        Assert.True(pushSaw <= acknowledged + TimeSpan.FromSeconds(2), $"EventSource on B saw the delivery {pushSaw.TotalMilliseconds:F0} ms after the start");
        await streamCancel.CancelAsync();
        await idleDone.CancelAsync();
        await idle;

        // B reads the message A stored (byte for byte after A's Received header) and flags it.
        Assert.Equal(1, inboxB.Count);
        var raw = await ReadRawAsync(inboxB, 0);
        Assert.Equal(message, raw[^message.Length..]);
        Assert.StartsWith("Received: ", Encoding.ASCII.GetString(raw));
        await inboxB.AddFlagsAsync(0, MessageFlags.Flagged, silent: true);

        // A sees B's flag.
        using var imapA = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await imapA.ConnectAsync("127.0.0.1", first.ListenerPorts["imap"], SecureSocketOptions.StartTls);
        await imapA.AuthenticateAsync("alice", AlicePassword);
        await imapA.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summary = Assert.Single(await imapA.Inbox.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.Envelope));
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Flagged), $"flags on A: {summary.Flags}");
        Assert.Equal("Across processes", summary.Envelope!.Subject);
        await imapA.DisconnectAsync(true);
        await imapB.DisconnectAsync(true);
        Assert.False(serverA.HasExited || serverB.HasExited);
    }

    private static async Task<TimeSpan> ReadStateChangeAsync(Stream stream, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            // The first state event tells the current state; a change after the delivery started is what counts.
            if (line.StartsWith("data:", StringComparison.Ordinal) && line.Contains("StateChange", StringComparison.Ordinal) && clock.IsRunning)
            {
                return clock.Elapsed;
            }
        }

        throw new IOException("The EventSource stream ended without a StateChange.");
    }

    private static async Task<byte[]> ReadRawAsync(IMailFolder folder, int index)
    {
        using var stream = await folder.GetStreamAsync(index, string.Empty);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}

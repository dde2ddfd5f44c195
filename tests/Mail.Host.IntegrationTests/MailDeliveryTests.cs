using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// Mail through the real executable on the default manifest (RocksDB, filesystem blobs, internal directory):
/// delivery by address through the admin API, a SIGKILL in the middle of a stream of deliveries, and malformed
/// messages, each read back byte for byte.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class MailDeliveryTests(DeploymentFixture fixture) : IDisposable
{
    private const string AdminPassword = "Delivery-Admin-2026";
    private static readonly Dictionary<string, string?> Environment = new() { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword };
    private readonly TestDeployment deployment = new(fixture);

    public void Dispose() => deployment.Dispose();

    [Fact]
    public async Task Delivery_by_address_reaches_owners_aliases_and_groups_and_reports_the_rest()
    {
        using var server = await deployment.StartServerAsync(Environment);
        var mail = new MailClient(server.Http, AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org", "ally@example.org");
        await mail.AddAccountAsync("bob", "bob@example.org");
        await EnsureAsync(await mail.SendAsync(HttpMethod.Post, "/api/admin/groups", System.Net.Http.Json.JsonContent.Create(new { name = "team", addresses = new[] { "team@example.org" }, members = new[] { "alice", "bob" } })));
        var message = Message(1, "Quarterly numbers", 3000);

        var (status, outcomes) = await mail.DeliverAsync(message, CancellationToken.None, "ALLY@example.org", "team@example.org", "nobody@example.org", "someone@elsewhere.test");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["delivered", "delivered", "unknown", "unknown"], outcomes);
        var alice = Assert.Single(await mail.MessagesAsync("alice"));
        var bob = Assert.Single(await mail.MessagesAsync("bob"));
        Assert.Equal("Quarterly numbers", alice.Subject);
        Assert.Equal(alice.BlobId, bob.BlobId);
        Assert.Equal(message, await mail.RawAsync("alice", alice.EmailId));
        var inbox = (await mail.MailboxesAsync("alice")).Single(m => m.Role == "inbox");
        Assert.Equal(1, inbox.Total);
        Assert.Equal(message.Length, inbox.Size);

        var (noRecipient, _) = await mail.DeliverAsync(message, CancellationToken.None);
        Assert.Equal(HttpStatusCode.BadRequest, noRecipient);
        var anonymous = await server.Http.PostAsync("/api/admin/mail/deliver?to=alice@example.org", new ByteArrayContent(message));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    /// <summary>
    /// Every delivery acknowledged before a SIGKILL is present and byte-exact after the restart; counts, sizes and
    /// UIDs agree with the messages; and after maintenance the blob folder holds exactly the referenced blobs.
    /// </summary>
    [Fact]
    public async Task A_sigkill_during_deliveries_loses_no_acknowledged_message_and_leaves_no_orphan_blob()
    {
        deployment.EditManifest(m => m["Mail"] = new JsonObject { ["PendingReferenceTimeoutSeconds"] = 1 });
        var server = await deployment.StartServerAsync(Environment);

        // A loaded machine makes deliveries slow; a writer must not give up on one the server is still completing.
        using var patient = new HttpClient { BaseAddress = server.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var mail = new MailClient(patient, AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
        await mail.AddAccountAsync("bob", "bob@example.org");

        var acknowledged = new ConcurrentDictionary<string, (byte[] Bytes, bool ToBob)>();
        var next = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                var message = Message(n, $"Stream message {n}", 2000 + (n * 7919 % 60_000), attachment: n % 5 == 0);
                var toBob = n % 3 == 0;
                try
                {
                    var (status, outcomes) = toBob
                        ? await mail.DeliverAsync(message, stop.Token, "alice@example.org", "bob@example.org")
                        : await mail.DeliverAsync(message, stop.Token, "alice@example.org");
                    if (status == HttpStatusCode.OK && outcomes.All(o => o == "delivered"))
                    {
                        acknowledged[MessageId(n)] = (message, toBob);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
                {
                    return;
                }
            }
        })).ToList();

        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (acknowledged.Count < 100 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await server.KillAsync();
        await Task.WhenAll(writers);
        stop.Cancel();
        Assert.True(acknowledged.Count >= 30, $"Only {acknowledged.Count} deliveries were acknowledged before the kill.");

        server = await deployment.StartServerAsync(Environment);
        using var reader = new HttpClient { BaseAddress = server.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        mail = new MailClient(reader, AdminPassword);
        var referenced = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var referencedFiles = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (principal, expected) in new[] { ("alice", acknowledged), ("bob", new ConcurrentDictionary<string, (byte[], bool)>(acknowledged.Where(a => a.Value.ToBob))) })
        {
            var messages = await mail.MessagesAsync(principal);
            var byId = messages.Where(m => m.MessageId is not null).ToDictionary(m => m.MessageId!);
            foreach (var (id, (bytes, _)) in expected)
            {
                // The engine keeps a Message-ID without its angle brackets, as MimeKit parses it.
                Assert.True(byId.TryGetValue(id.Trim('<', '>'), out var found), $"{principal} lost the acknowledged message {id} ({messages.Count} listed, {expected.Count} acknowledged).");
                Assert.Equal(bytes.Length, found.Size);
                var raw = await mail.RawAsync(principal, found.EmailId);
                Assert.True(bytes.AsSpan().SequenceEqual(raw), $"{id} is not byte-exact for {principal}.");
            }

            var inbox = (await mail.MailboxesAsync(principal)).Single(m => m.Role == "inbox");
            Assert.Equal(messages.Count, inbox.Total);
            Assert.Equal(messages.Sum(m => m.Size), inbox.Size);
            Assert.Equal(messages.Select(m => m.Uid).Distinct().Order(), messages.Select(m => m.Uid));
            Assert.True(messages.Count == 0 || inbox.UidNext > messages.Max(m => m.Uid));
            referenced.UnionWith(messages.Select(m => m.BlobId!));
            referencedFiles.UnionWith(messages.Where(m => m.Size > 32 * 1024).Select(m => m.BlobId!));
        }

        // Deliveries cut off by the kill may have stored blobs no email references; once their pending references
        // are older than the timeout, maintenance removes exactly those.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await mail.MaintenanceAsync();
        // Messages up to Mail:InlineMessageBytes (32 KiB by default) live in the data store, the rest in files: every
        // larger referenced message has its file, and no file is left that nothing references.
        var blobRoot = Path.Combine(deployment.Folder, "data", "blobs");
        var stored = System.IO.Directory.EnumerateFiles(blobRoot, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(blobRoot, f).StartsWith("tmp", StringComparison.Ordinal))
            .Select(Path.GetFileName)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Empty(stored.Except(referenced));
        Assert.NotEmpty(referencedFiles);
        Assert.Empty(referencedFiles.Except(stored!));
        server.Dispose();
    }

    [Fact]
    public async Task Malformed_messages_are_stored_byte_exact_and_the_server_stays_up()
    {
        using var server = await deployment.StartServerAsync(Environment);
        using var http = new HttpClient { BaseAddress = server.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        var mail = new MailClient(http, AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
        var cases = new List<(string Name, byte[] Bytes)>
        {
            ("broken boundary", Encoding.ASCII.GetBytes("Subject: broken boundary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"abc\"\r\n\r\n--abc\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--abd\r\nnever closed\r\n")),
            ("garbage headers", [.. "Subject: "u8, 0xff, 0xfe, 0x80, 0x00, 0xc3, .. "\r\nFrom: \""u8, 0xe9, .. "\" <x@"u8, 0xff, .. ">\r\nX-Bad:\x01\x02\r\n\r\nbody\r\n"u8]),
            ("missing separator", Encoding.ASCII.GetBytes("Subject: no blank line\r\nFrom: a@example.org\r\nthis line is not a header and there is no separator\r\n")),
            ("1,000 nested parts", Nested(1000)),
            ("50 MB single line", LongLine(50 * 1024 * 1024)),
        };

        foreach (var (name, bytes) in cases)
        {
            var (status, outcomes) = await mail.DeliverAsync(bytes, CancellationToken.None, "alice@example.org");
            Assert.True(status == HttpStatusCode.OK, $"{name}: {status} {string.Join(' ', outcomes)}");
            Assert.Equal(["delivered"], outcomes);
        }

        var messages = await mail.MessagesAsync("alice");
        Assert.Equal(cases.Count, messages.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            Assert.Equal(cases[i].Bytes.Length, messages[i].Size);
            var raw = await mail.RawAsync("alice", messages[i].EmailId);
            Assert.True(SHA256.HashData(cases[i].Bytes).AsSpan().SequenceEqual(SHA256.HashData(raw)), $"{cases[i].Name} is not byte-exact.");
        }

        Assert.Equal("broken boundary", messages[0].Subject);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health")).StatusCode);
        Assert.False(server.HasExited);
    }

    private static async Task EnsureAsync(HttpResponseMessage response)
        => Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

    private static string MessageId(int n) => $"<stream-{n}@test.example.org>";

    private static byte[] Message(int n, string subject, int bodyBytes, bool attachment = false)
    {
        var text = new StringBuilder();
        text.Append("From: Sender ").Append(n).Append(" <sender").Append(n).Append("@example.net>\r\n")
            .Append("To: alice@example.org\r\nSubject: ").Append(subject).Append("\r\n")
            .Append("Message-ID: ").Append(MessageId(n)).Append("\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n");
        const string Boundary = "part-boundary-7f3a";
        if (attachment)
        {
            text.Append("Content-Type: multipart/mixed; boundary=\"").Append(Boundary).Append("\"\r\n\r\n--").Append(Boundary).Append("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        }
        else
        {
            text.Append("Content-Type: text/plain; charset=utf-8\r\n\r\n");
        }

        var words = new[] { "ledger", "invoice", "meeting", "harbour", "delivery", "quarterly", "résumé", "forecast", "window" };
        while (text.Length < bodyBytes)
        {
            text.Append(words[(text.Length + n) % words.Length]).Append(text.Length % 70 < 9 ? "\r\n" : " ");
        }

        text.Append("\r\n");
        if (attachment)
        {
            var payload = new byte[30_000];
            new Random(n).NextBytes(payload);
            text.Append("--").Append(Boundary).Append("\r\nContent-Type: application/octet-stream; name=\"data-").Append(n).Append(".bin\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"data-").Append(n).Append(".bin\"\r\n\r\n")
                .Append(Convert.ToBase64String(payload, Base64FormattingOptions.InsertLineBreaks)).Append("\r\n--").Append(Boundary).Append("--\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] Nested(int depth)
    {
        var text = new StringBuilder("Subject: nested\r\nMIME-Version: 1.0\r\n");
        for (var i = 0; i < depth; i++)
        {
            text.Append("Content-Type: multipart/mixed; boundary=\"b").Append(i).Append("\"\r\n\r\n--b").Append(i).Append("\r\n");
        }

        text.Append("Content-Type: text/plain\r\n\r\ndeep\r\n");
        for (var i = depth - 1; i >= 0; i--)
        {
            text.Append("--b").Append(i).Append("--\r\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static byte[] LongLine(int length)
    {
        var head = Encoding.ASCII.GetBytes("Subject: one long line\r\n\r\n");
        var bytes = new byte[head.Length + length + 2];
        head.CopyTo(bytes, 0);
        bytes.AsSpan(head.Length, length).Fill((byte)'x');
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        return bytes;
    }
}

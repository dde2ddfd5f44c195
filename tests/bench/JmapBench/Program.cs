using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.JmapBench;

/// <summary>
/// Fills one mailbox of a fresh copy of a deployment with generated mail, then measures JMAP Email/query (with and
/// without a text filter) + Email/get of 50 emails in one request: p50/p99 latency one request at a time, and
/// requests per second with concurrent clients; then Mailbox/get of every mailbox with its counts.
/// </summary>
public static class Program
{
    private const string AdminPassword = "Bench-Admin-2026";
    private const string UserPassword = "Bench-User-2026!";
    private static readonly string[] Words = ["budget", "meeting", "report", "quarter", "invoice", "project", "review", "deadline", "holiday", "contract", "design", "server", "release", "customer", "travel", "lunch", "planning", "team", "update", "draft"];

    public static async Task<int> Main(string[] args)
    {
        string? deployment = null;
        int messages = 100_000, clients = 20, seconds = 20, samples = 300;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--deployment": deployment = args[++i]; break;
                case "--messages": messages = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--clients": clients = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--samples": samples = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "-h" or "--help":
                    Console.WriteLine("Usage: JmapBench --deployment DIR [--messages 100000] [--clients 20] [--seconds 20] [--samples 300]");
                    Console.WriteLine("  Copies DIR (made by ./build.sh --output DIR), starts it on free ports, delivers --messages generated emails");
                    Console.WriteLine("  to one inbox, then measures Email/query + Email/get of 50 (with and without a text filter).");
                    return 0;
                default:
                    Console.Error.WriteLine($"JmapBench: unknown argument '{args[i]}' (see --help)");
                    return 2;
            }
        }

        if (deployment is null || !File.Exists(Path.Combine(deployment, "mailhost")))
        {
            Console.Error.WriteLine("JmapBench: --deployment must name a folder made by ./build.sh --output DIR");
            return 2;
        }

        var folder = Path.Combine(Path.GetTempPath(), "mailhost-jmapbench-" + Guid.NewGuid().ToString("N"));
        Copy(deployment, folder);
        var port = FreePort();
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "mailhost.json")), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        manifest["Http"] = new JsonObject { ["Urls"] = new JsonArray($"http://127.0.0.1:{port}") };
        manifest["Listeners"] = new JsonObject();
        File.WriteAllText(Path.Combine(folder, "mailhost.json"), manifest.ToJsonString());
        var start = new ProcessStartInfo(Path.Combine(folder, "mailhost"), ["serve"]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["MAILHOST_ADMIN_PASSWORD"] = AdminPassword;
        // Every client logs in as the one bench user: let it have as many requests in flight as there are clients.
        start.Environment["MAILHOST__Plugins__jmap__Settings__MaxConcurrentRequests"] = Math.Max(4, clients).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var baseUrl = $"http://127.0.0.1:{port}";
            using var admin = Client(baseUrl, "admin", AdminPassword, clients);
            await WaitAsync(admin);
            await PostAsync(admin, "/api/admin/domains", new JsonObject { ["name"] = "bench.test" });
            await PostAsync(admin, "/api/admin/accounts", new JsonObject { ["name"] = "bench", ["password"] = UserPassword, ["addresses"] = new JsonArray("bench@bench.test") });
            var watch = Stopwatch.StartNew();
            await FillAsync(admin, messages, clients);
            Console.WriteLine($"delivered {messages} messages in {watch.Elapsed.TotalSeconds:F0} s ({messages / watch.Elapsed.TotalSeconds:F0}/s)");

            using var user = Client(baseUrl, "bench", UserPassword, clients);
            var session = JsonNode.Parse(await user.GetStringAsync("/jmap/session"))!;
            var account = session["primaryAccounts"]!["urn:ietf:params:jmap:mail"]!.GetValue<string>();
            foreach (var (label, filter) in new (string, JsonObject?)[] { ("no text filter", null), ("text filter 'budget'", new JsonObject { ["text"] = "budget" }) })
            {
                var body = Encoding.UTF8.GetBytes(Request(account, filter).ToJsonString());
                for (var i = 0; i < 10; i++)
                {
                    await CallAsync(user, body);
                }

                var latencies = new List<double>(samples);
                for (var i = 0; i < samples; i++)
                {
                    var t = Stopwatch.GetTimestamp();
                    await CallAsync(user, body);
                    latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }

                latencies.Sort();
                Console.WriteLine($"{label}: p50 {latencies[latencies.Count / 2]:F1} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F1} ms ({samples} sequential requests)");
                var count = 0L;
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
                var tasks = Enumerable.Range(0, clients).Select(async _ =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        await CallAsync(user, body);
                        Interlocked.Increment(ref count);
                    }
                });
                var throughput = Stopwatch.StartNew();
                await Task.WhenAll(tasks);
                Console.WriteLine($"{label}: {count / throughput.Elapsed.TotalSeconds:F0} requests/s with {clients} clients");
            }

            // What a client asks on every state change: every mailbox with all its properties (counts included).
            var mailboxGet = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["using"] = new JsonArray("urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"),
                ["methodCalls"] = new JsonArray(new JsonArray("Mailbox/get", new JsonObject { ["accountId"] = account, ["ids"] = null }, "m")),
            }.ToJsonString());
            await CallAsync(user, mailboxGet);
            var mailboxLatencies = new List<double>();
            for (var i = 0; i < Math.Min(samples, 50); i++)
            {
                var t = Stopwatch.GetTimestamp();
                await CallAsync(user, mailboxGet);
                mailboxLatencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }

            mailboxLatencies.Sort();
            Console.WriteLine($"Mailbox/get, all properties: p50 {mailboxLatencies[mailboxLatencies.Count / 2]:F1} ms, p99 {mailboxLatencies[(int)(mailboxLatencies.Count * 0.99)]:F1} ms ({mailboxLatencies.Count} sequential requests)");
            return 0;
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static JsonObject Request(string account, JsonObject? filter) => new()
    {
        ["using"] = new JsonArray("urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"),
        ["methodCalls"] = new JsonArray(
            new JsonArray("Email/query", new JsonObject
            {
                ["accountId"] = account,
                ["filter"] = filter,
                ["sort"] = new JsonArray(new JsonObject { ["property"] = "receivedAt", ["isAscending"] = false }),
                ["limit"] = 50,
            }, "q"),
            new JsonArray("Email/get", new JsonObject
            {
                ["accountId"] = account,
                ["#ids"] = new JsonObject { ["resultOf"] = "q", ["name"] = "Email/query", ["path"] = "/ids" },
                ["properties"] = new JsonArray("threadId", "mailboxIds", "keywords", "from", "subject", "receivedAt", "preview", "hasAttachment"),
            }, "g")),
    };

    private static async Task CallAsync(HttpClient http, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync("/jmap/api/", content);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || text.Contains("\"error\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {text}");
        }
    }

    private static async Task FillAsync(HttpClient admin, int messages, int clients)
    {
        var next = -1;
        var tasks = Enumerable.Range(0, clients).Select(async worker =>
        {
            var random = new Random(worker);
            int n;
            while ((n = Interlocked.Increment(ref next)) < messages)
            {
                var words = string.Join(' ', Enumerable.Range(0, 40).Select(_ => Words[random.Next(Words.Length)]));
                var subject = $"{Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]} #{n}";
                var raw = Encoding.UTF8.GetBytes($"From: Sender {n % 97} <sender{n % 97}@example.net>\r\nTo: bench@bench.test\r\nSubject: {subject}\r\nMessage-ID: <{n}@bench>\r\nDate: {DateTimeOffset.UtcNow.AddMinutes(-n):R}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{words}\r\n");
                using var content = new ByteArrayContent(raw);
                using var response = await admin.PostAsync("/api/admin/mail/deliver?to=bench@bench.test", content);
                response.EnsureSuccessStatusCode();
            }
        });
        await Task.WhenAll(tasks);
    }

    private static HttpClient Client(string baseUrl, string user, string password, int connections)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections * 2 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }

    private static async Task PostAsync(HttpClient http, string path, JsonObject body)
    {
        using var response = await http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task WaitAsync(HttpClient http)
    {
        for (var i = 0; i < 600; i++)
        {
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the server did not answer /health within 60 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Copy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            if (Path.GetFileName(directory) is "data" or "packages")
            {
                continue;
            }

            Copy(directory, Path.Combine(target, Path.GetFileName(directory)));
        }
    }
}

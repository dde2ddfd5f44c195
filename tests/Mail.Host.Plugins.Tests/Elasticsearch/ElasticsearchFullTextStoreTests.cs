using Xunit;
using System.Text;
using System.Text.Json.Nodes;
using Mail.Host.Plugins.Elasticsearch;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Mail.Host.Plugins.Tests.Elasticsearch;

/// <summary>
/// What the Elasticsearch store sends and how it reads the answers, against <see cref="ElasticsearchStandIn"/>.
/// NOT run against a live Elasticsearch server: none can be installed where these tests run, so the index template,
/// the analyzers and the query semantics are checked only as requests, not as search results.
/// </summary>
public sealed class ElasticsearchFullTextStoreTests(ITestOutputHelper output)
{
    private const string Index = "mail-test";

    [Fact]
    public async Task Opening_installs_the_index_template_and_creates_the_missing_index()
    {
        using var server = new ElasticsearchStandIn(r => r switch
        {
            { Method: "HEAD" } => (404, string.Empty),
            _ => (200, """{"acknowledged":true}"""),
        });
        await using (var store = await OpenAsync(server, ("Analyzers:body", "english")))
        {
            Assert.NotNull(store.FullText);
        }

        var requests = server.Requests.ToList();
        Assert.Equal(["PUT /_index_template/mail-test-template", "HEAD /mail-test", "PUT /mail-test"], requests.Select(r => $"{r.Method} {r.Path}"));
        var template = JsonNode.Parse(requests[0].Body)!;
        Assert.Equal(Index, template["index_patterns"]![0]!.GetValue<string>());
        var mapping = template["template"]!["mappings"]!;
        Assert.True(mapping["_routing"]!["required"]!.GetValue<bool>());
        Assert.Equal("english", mapping["properties"]!["fields"]!["properties"]!["body"]!["analyzer"]!.GetValue<string>());
        Assert.Equal("mail_text", mapping["properties"]!["fields"]!["properties"]!["subject"]!["analyzer"]!.GetValue<string>());
        Assert.Equal("all", mapping["properties"]!["fields"]!["properties"]!["from"]!["copy_to"]!.GetValue<string>());
        Assert.NotNull(template["template"]!["settings"]!["analysis"]!["analyzer"]!["mail_text"]);
        output.WriteLine("Checked as a request only: not run against a live Elasticsearch server.");
    }

    [Fact]
    public async Task Concurrent_documents_go_out_in_bulk_routed_by_account_and_wait_for_refresh()
    {
        using var server = new ElasticsearchStandIn(r => r switch
        {
            { Path: "/_bulk" or "/mail-test/_bulk" } => (200, BulkAnswer(r.Body, _ => 201)),
            _ => (200, "{}"),
        });
        await using var store = await OpenAsync(server);
        await Task.WhenAll(Enumerable.Range(1, 50).Select(i => store.FullText!.IndexAsync(Document(7, (ulong)i, $"Subject {i}")).AsTask()));

        var bulks = server.Requests.Where(r => r.Path.EndsWith("/_bulk", StringComparison.Ordinal)).ToList();
        Assert.InRange(bulks.Count, 1, 49);
        Assert.All(bulks, b => Assert.True(b.HasQuery("refresh", "wait_for"), b.Query));
        var actions = bulks.SelectMany(b => Lines(b.Body).Where((_, i) => i % 2 == 0)).Select(l => JsonNode.Parse(l)!["index"]!).ToList();
        Assert.Equal(50, actions.Count);
        Assert.All(actions, a => Assert.Equal("7", a["routing"]!.GetValue<string>()));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"7-{i}").Order(), actions.Select(a => a["_id"]!.GetValue<string>()).Order());
        var source = JsonNode.Parse(Lines(bulks[0].Body)[1])!;
        Assert.Equal(7, source["account"]!.GetValue<long>());
        Assert.StartsWith("Subject ", source["fields"]!["subject"]![0]!.GetValue<string>());
        output.WriteLine($"50 documents in {bulks.Count} bulk requests. Checked as requests only: not run against a live Elasticsearch server.");
    }

    [Fact]
    public async Task A_refused_document_fails_alone_and_one_refused_for_load_is_sent_again()
    {
        var attempts = 0;
        using var server = new ElasticsearchStandIn(r => r switch
        {
            { Path: "/_bulk" or "/mail-test/_bulk" } => (200, BulkAnswer(r.Body, id => id switch
            {
                "1-2" => 400,
                "1-3" when Interlocked.Increment(ref attempts) == 1 => 429,
                _ => 201,
            })),
            _ => (200, "{}"),
        });
        await using var store = await OpenAsync(server);
        var results = await Task.WhenAll(new ulong[] { 1, 2, 3 }.Select(async id =>
        {
            try
            {
                await store.FullText!.IndexAsync(Document(1, id, "text"));
                return "ok";
            }
            catch (InvalidOperationException ex)
            {
                return ex.Message;
            }
        }));
        Assert.Equal("ok", results[0]);
        Assert.Contains("refused document 1-2", results[1]);
        Assert.Contains("mapper_parsing_exception", results[1]);
        Assert.Equal("ok", results[2]);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_query_pages_through_every_hit_with_search_after_and_returns_ids_ascending()
    {
        var total = ElasticsearchFullTextStore.PageSize + 3;
        using var server = new ElasticsearchStandIn(r =>
        {
            if (!r.Path.EndsWith("/_search", StringComparison.Ordinal))
            {
                return (200, "{}");
            }

            var body = JsonNode.Parse(r.Body)!;
            var after = body["search_after"] is { } last ? ElasticsearchQueryTranslatorTests.Items(last)[0]!.GetValue<long>() : 0;
            var ids = Enumerable.Range(1, total).Select(i => (long)i * 10).Where(i => i > after).Take(body["size"]!.GetValue<int>());
            return (200, SearchAnswer(ids));
        });
        await using var store = await OpenAsync(server);
        var found = await store.FullText!.QueryAsync(9, FullTextFilter.Words("body", "invoice"));

        Assert.Equal(Enumerable.Range(1, total).Select(i => (ulong)i * 10), found);
        var searches = server.Requests.Where(r => r.Path.EndsWith("/_search", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, searches.Count);
        Assert.All(searches, s => Assert.True(s.HasQuery("routing", "9"), s.Query));
        var first = JsonNode.Parse(searches[0].Body)!;
        Assert.Null(first["search_after"]);
        Assert.False(first["_source"]!.GetValue<bool>());
        Assert.Equal("asc", (ElasticsearchQueryTranslatorTests.Items(first["sort"]!)[0]!["doc"]!["order"] ?? ElasticsearchQueryTranslatorTests.Items(first["sort"]!)[0]!["doc"]!).GetValue<string>());
        Assert.Equal(ElasticsearchFullTextStore.PageSize * 10L, ElasticsearchQueryTranslatorTests.Items(JsonNode.Parse(searches[1].Body)!["search_after"]!)[0]!.GetValue<long>());
        var account = ElasticsearchQueryTranslatorTests.Items(first["query"]!["bool"]!["filter"]!)[0]!["term"]!["account"]!;
        Assert.Equal(9, (account["value"] ?? account).GetValue<long>());
    }

    [Fact]
    public async Task Removing_a_document_and_an_account_are_routed_deletes()
    {
        using var server = new ElasticsearchStandIn(r => r switch
        {
            { Path: "/_bulk" or "/mail-test/_bulk" } => (200, BulkAnswer(r.Body, _ => 404)),
            { Path: "/mail-test/_delete_by_query" } => (200, """{"took":3,"timed_out":false,"total":2,"deleted":2,"failures":[]}"""),
            _ => (200, "{}"),
        });
        await using var store = await OpenAsync(server);
        await store.FullText!.RemoveAsync(5, 77);
        await store.FullText.RemoveAccountAsync(5);

        var delete = JsonNode.Parse(Lines(server.Requests.Single(r => r.Path.EndsWith("/_bulk", StringComparison.Ordinal)).Body)[0])!["delete"]!;
        Assert.Equal("5-77", delete["_id"]!.GetValue<string>());
        Assert.Equal("5", delete["routing"]!.GetValue<string>());
        var byQuery = server.Requests.Single(r => r.Path == "/mail-test/_delete_by_query");
        Assert.True(byQuery.HasQuery("routing", "5") && byQuery.HasQuery("conflicts", "proceed") && byQuery.HasQuery("refresh", "true"), byQuery.Query);
    }

    [Fact]
    public async Task A_cluster_answering_503_or_not_at_all_is_a_temporary_failure()
    {
        using (var server = new ElasticsearchStandIn(r => r.Path.EndsWith("/_search", StringComparison.Ordinal)
            ? (503, """{"error":{"type":"cluster_block_exception","reason":"blocked"},"status":503}""")
            : (200, "{}")))
        {
            await using var store = await OpenAsync(server);
            var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.FullText!.QueryAsync(1, FullTextFilter.Words(null, "x")).AsTask());
            Assert.Contains("503", error.Message);
            Assert.Equal(2, server.Requests.Count(r => r.Path.EndsWith("/_search", StringComparison.Ordinal)));
        }

        using var gone = new ElasticsearchStandIn(_ => (200, "{}"));
        var port = gone.Port;
        gone.Dispose();
        await Assert.ThrowsAsync<StoreUnavailableException>(() => OpenAsync(new Uri($"http://127.0.0.1:{port}")));
    }

    [Fact]
    public async Task A_request_the_cluster_refuses_as_wrong_is_reported_with_its_reason_at_once()
    {
        using var server = new ElasticsearchStandIn(r => r.Path.EndsWith("/_search", StringComparison.Ordinal)
            ? (400, """{"error":{"type":"search_phase_execution_exception","reason":"all shards failed"},"status":400}""")
            : (200, "{}"));
        await using var store = await OpenAsync(server);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.FullText!.QueryAsync(1, FullTextFilter.Words(null, "x")).AsTask());
        Assert.Contains("all shards failed", error.Message);
        Assert.Equal(1, server.Requests.Count(r => r.Path.EndsWith("/_search", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Credentials_from_the_manifest_are_sent_as_basic_authentication()
    {
        using var server = new ElasticsearchStandIn(_ => (200, "{}"));
        await using var store = await OpenAsync(server, ("Username", "mailhost"), ("Password", "s3cret"));
        Assert.All(server.Requests, r => Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("mailhost:s3cret")), r.Authorization));
    }

    [Theory]
    [InlineData("Urls:0", "ftp://x", "is not an http:// or https:// URL")]
    [InlineData("Index", "Mail", "is not a valid index name")]
    [InlineData("Analyzers:headers", "english", "is not a field the engine indexes")]
    [InlineData("Username", "u", "without a Password")]
    [InlineData("Shards", "0", "is not a number from 1 to 1024")]
    [InlineData("Replica", "1", "is not a setting of the elasticsearch store")]
    public void Bad_settings_are_named_with_their_fix(string key, string value, string expected)
    {
        var problems = new ElasticsearchStoreProvider().Validate(Context(new Uri("http://127.0.0.1:9200"), (key, value))).ToList();
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    private static FullTextDocument Document(ulong account, ulong id, string subject)
        => new(account, id, [new FullTextField(FullTextFieldNames.Subject, subject), new FullTextField(FullTextFieldNames.Body, "body text")]);

    private static List<string> Lines(string ndjson) => [.. ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static string BulkAnswer(string body, Func<string, int> status)
    {
        var items = new JsonArray();
        foreach (var line in Lines(body))
        {
            var action = JsonNode.Parse(line)!.AsObject();
            var (kind, meta) = action.First();
            if (kind is not ("index" or "delete"))
            {
                continue;
            }

            var id = meta!["_id"]!.GetValue<string>();
            var code = status(id);
            var item = new JsonObject { ["_index"] = Index, ["_id"] = id, ["status"] = code, ["result"] = code < 300 ? "created" : "not_found" };
            if (code is 400 or 429)
            {
                item["error"] = new JsonObject { ["type"] = code == 400 ? "mapper_parsing_exception" : "es_rejected_execution_exception", ["reason"] = "refused by the test" };
            }

            items.Add(new JsonObject { [kind] = item });
        }

        return new JsonObject { ["took"] = 1, ["errors"] = items.Any(i => i!.AsObject().First().Value!["status"]!.GetValue<int>() >= 300), ["items"] = items }.ToJsonString();
    }

    private static string SearchAnswer(IEnumerable<long> ids)
    {
        var hits = new JsonArray();
        foreach (var id in ids)
        {
            hits.Add(new JsonObject { ["_index"] = Index, ["_id"] = $"9-{id}", ["_score"] = null, ["sort"] = new JsonArray(id) });
        }

        return new JsonObject
        {
            ["took"] = 1,
            ["timed_out"] = false,
            ["_shards"] = new JsonObject { ["total"] = 1, ["successful"] = 1, ["skipped"] = 0, ["failed"] = 0 },
            ["hits"] = new JsonObject { ["max_score"] = null, ["hits"] = hits },
        }.ToJsonString();
    }

    private static Task<IStoreInstance> OpenAsync(ElasticsearchStandIn server, params (string Key, string Value)[] extra) => OpenAsync(server.Url, extra);

    private static async Task<IStoreInstance> OpenAsync(Uri url, params (string Key, string Value)[] extra)
        => await new ElasticsearchStoreProvider().OpenAsync(Context(url, [("MaxAttempts", "2"), ("TimeoutSeconds", "5"), .. extra]), CancellationToken.None);

    private static StoreContext Context(Uri url, params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string?> { ["Type"] = "elasticsearch", ["Urls:0"] = url.ToString(), ["Index"] = Index };
        foreach (var (key, value) in extra)
        {
            values[key] = value;
        }

        return new StoreContext
        {
            Name = "search",
            Settings = new ConfigurationBuilder().AddInMemoryCollection(values).Build(),
            BaseDirectory = Path.GetTempPath(),
            Services = new ServiceCollection().BuildServiceProvider(),
        };
    }
}

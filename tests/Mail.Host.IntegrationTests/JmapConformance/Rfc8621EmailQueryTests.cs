using System.Text.Json.Nodes;
using MimeKit;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §4.3 Email/changes, §4.4 Email/query (every filter condition and sort) and §4.5 Email/queryChanges.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621EmailQueryTests(DeploymentFixture fixture)
{
    /// <summary>Three emails with distinct dates, sizes, addresses and subjects; a reply makes a two-email thread.</summary>
    private sealed record Corpus(JmapClient Client, string Small, string Large, string Reply, string Inbox, string Archive);

    private async Task<Corpus> CorpusAsync()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var archive = await client.MailboxIdAsync("archive");
        var small = Simple("Apple pie recipe", "flour and butter", "zed@elsewhere.test", "amy@example.org", new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero));
        small.Cc.Add(MailboxAddress.Parse("carbon@elsewhere.test"));
        var large = Simple("Budget review", "numbers " + new string('x', 4000), "adam@elsewhere.test", "zoe@example.org", new DateTimeOffset(2026, 1, 30, 0, 0, 0, TimeSpan.Zero));
        large.Bcc.Add(MailboxAddress.Parse("secret@elsewhere.test"));
        large.Headers.Add("X-Tracking", "abc123");
        var attachment = new MimePart("application", "pdf") { Content = new MimeContent(new MemoryStream(new byte[64])), FileName = "sheet.pdf" };
        large.Body = new Multipart("mixed") { new TextPart("plain") { Text = "numbers " + new string('x', 4000) }, attachment };
        var reply = Simple("Re: Apple pie recipe", "more sugar", "mia@elsewhere.test", "amy@example.org", new DateTimeOffset(2026, 1, 20, 0, 0, 0, TimeSpan.Zero));
        reply.InReplyTo = small.MessageId;
        reply.References.Add(small.MessageId!);
        var smallId = await ImportAsync(client, Bytes(small), inbox, new JsonObject { ["$seen"] = true, ["$flagged"] = true }, "2026-02-01T00:00:00Z");
        var largeId = await ImportAsync(client, Bytes(large), archive, new JsonObject { ["$seen"] = true }, "2026-02-03T00:00:00Z");
        var replyId = await ImportAsync(client, Bytes(reply), inbox, null, "2026-02-02T00:00:00Z");
        return new Corpus(client, smallId, largeId, replyId, inbox, archive);
    }

    private static async Task<List<string>> FilterAsync(Corpus corpus, JsonObject filter) => (await QueryAsync(corpus.Client, filter)).Order().ToList();

    private static List<string> Set(params string[] ids) => [.. ids.Order()];

    [Fact]
    public async Task S4_4_1_inMailbox_and_inMailboxOtherThan()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        Assert.Equal(Set(c.Small, c.Reply), await FilterAsync(c, new JsonObject { ["inMailbox"] = c.Inbox }));
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["inMailboxOtherThan"] = new JsonArray(c.Inbox) }));
        Assert.Empty(await FilterAsync(c, new JsonObject { ["inMailbox"] = "M999999" }));
    }

    [Fact]
    public async Task S4_4_1_before_and_after_compare_receivedAt()
    {
        // RFC 8621 §4.4.1: before: "The receivedAt date-time of the Email must be before this date-time"; after: "must be the same or after".
        var c = await CorpusAsync();
        using var _ = c.Client;
        Assert.Equal(Set(c.Small), await FilterAsync(c, new JsonObject { ["before"] = "2026-02-02T00:00:00Z" }));
        Assert.Equal(Set(c.Reply, c.Large), await FilterAsync(c, new JsonObject { ["after"] = "2026-02-02T00:00:00Z" }));
    }

    [Fact]
    public async Task S4_4_1_minSize_and_maxSize()
    {
        // RFC 8621 §4.4.1: minSize: "size ... must be equal to or greater than"; maxSize: "must be less than".
        var c = await CorpusAsync();
        using var _ = c.Client;
        var large = (await EmailAsync(c.Client, c.Large, ["size"]))["size"]!.GetValue<int>();
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["minSize"] = large }));
        Assert.Equal(Set(c.Small, c.Reply), await FilterAsync(c, new JsonObject { ["maxSize"] = large }));
    }

    [Fact]
    public async Task S4_4_1_thread_keyword_conditions()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        // The apple thread has one $seen and one unseen email; the budget thread is all $seen.
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["allInThreadHaveKeyword"] = "$seen" }));
        Assert.Equal(Set(c.Small, c.Reply, c.Large), await FilterAsync(c, new JsonObject { ["someInThreadHaveKeyword"] = "$seen" }));
        Assert.Equal(Set(c.Small, c.Reply), await FilterAsync(c, new JsonObject { ["someInThreadHaveKeyword"] = "$flagged" }));
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["noneInThreadHaveKeyword"] = "$flagged" }));
    }

    [Fact]
    public async Task S4_4_1_hasKeyword_and_notKeyword_without_case()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        Assert.Equal(Set(c.Small), await FilterAsync(c, new JsonObject { ["hasKeyword"] = "$Flagged" }));
        Assert.Equal(Set(c.Reply, c.Large), await FilterAsync(c, new JsonObject { ["notKeyword"] = "$flagged" }));
    }

    [Fact]
    public async Task S4_4_1_hasAttachment()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["hasAttachment"] = true }));
        Assert.Equal(Set(c.Small, c.Reply), await FilterAsync(c, new JsonObject { ["hasAttachment"] = false }));
    }

    [Fact]
    public async Task S4_4_1_address_conditions_from_to_cc_bcc()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["from"] = "adam" }));
        Assert.Equal(Set(c.Small, c.Reply), await FilterAsync(c, new JsonObject { ["to"] = "amy@example.org" }));
        Assert.Equal(Set(c.Small), await FilterAsync(c, new JsonObject { ["cc"] = "carbon" }));
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["bcc"] = "secret" }));
    }

    [Fact]
    public async Task S4_4_1_text_subject_and_body_conditions()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        Assert.Equal(Set(c.Small, c.Reply), await FilterAsync(c, new JsonObject { ["subject"] = "apple" }));
        Assert.Equal(Set(c.Reply), await FilterAsync(c, new JsonObject { ["body"] = "sugar" }));
        Assert.Empty(await FilterAsync(c, new JsonObject { ["subject"] = "sugar" }));
        // text: "Looks for the text in any of the From, To, Cc, Bcc, Subject header fields ... and any text body".
        Assert.Equal(Set(c.Small), await FilterAsync(c, new JsonObject { ["text"] = "butter" }));
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["text"] = "adam" }));
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["text"] = "budget" }));
    }

    [Fact]
    public async Task S4_4_1_header_with_a_name_only_and_with_a_value()
    {
        // RFC 8621 §4.4.1: header: "If the array only contains one item, the header field name ... MUST be present ... If two items ... the value ... MUST contain the second".
        var c = await CorpusAsync();
        using var _ = c.Client;
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["header"] = new JsonArray("X-Tracking") }));
        Assert.Equal(Set(c.Large), await FilterAsync(c, new JsonObject { ["header"] = new JsonArray("x-tracking", "c12") }));
        Assert.Empty(await FilterAsync(c, new JsonObject { ["header"] = new JsonArray("X-Tracking", "zzz") }));
        Assert.Equal("invalidArguments", await c.Client.ErrorAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["header"] = new JsonArray() } }));
    }

    [Fact]
    public async Task S4_4_1_nested_filter_operators()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var filter = new JsonObject
        {
            ["operator"] = "OR",
            ["conditions"] = new JsonArray(
                new JsonObject { ["operator"] = "AND", ["conditions"] = new JsonArray(new JsonObject { ["inMailbox"] = c.Inbox }, new JsonObject { ["hasKeyword"] = "$seen" }) },
                new JsonObject { ["operator"] = "NOT", ["conditions"] = new JsonArray(new JsonObject { ["inMailbox"] = c.Inbox }, new JsonObject { ["hasAttachment"] = false }) }),
        };
        // (in the Inbox and $seen) or not (in the Inbox or without an attachment): the seen apple and the archived budget.
        Assert.Equal(Set(c.Small, c.Large), await FilterAsync(c, filter));
        Assert.Equal("unsupportedFilter", await c.Client.ErrorAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["operator"] = "XOR", ["conditions"] = new JsonArray() } }));
    }

    [Theory]
    [InlineData("receivedAt", true, "small,reply,large")]
    [InlineData("receivedAt", false, "large,reply,small")]
    [InlineData("from", true, "large,reply,small")]
    [InlineData("from", false, "small,reply,large")]
    [InlineData("subject", true, "small,reply,large")]
    [InlineData("sentAt", true, "small,reply,large")]
    [InlineData("sentAt", false, "large,reply,small")]
    public async Task S4_4_2_each_sort_property_ascending_and_descending(string property, bool ascending, string expected)
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var names = new Dictionary<string, string> { [c.Small] = "small", [c.Large] = "large", [c.Reply] = "reply" };
        var sort = new JsonArray(new JsonObject { ["property"] = property, ["isAscending"] = ascending }, new JsonObject { ["property"] = "receivedAt" });
        var ids = await QueryAsync(c.Client, null, sort);
        Assert.Equal(expected, string.Join(',', ids.Select(i => names[i])));
    }

    [Fact]
    public async Task S4_4_2_sort_by_size_ascending_and_descending()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var sizes = new Dictionary<string, int>();
        foreach (var id in new[] { c.Small, c.Large, c.Reply })
        {
            sizes[id] = (await EmailAsync(c.Client, id, ["size"]))["size"]!.GetValue<int>();
        }

        var ascending = await QueryAsync(c.Client, null, Sort("size"));
        Assert.Equal(sizes.OrderBy(p => p.Value).Select(p => p.Key).ToList(), ascending);
        var descending = await QueryAsync(c.Client, null, Sort("size", false));
        Assert.Equal(sizes.OrderByDescending(p => p.Value).Select(p => p.Key).ToList(), descending);
    }

    [Fact]
    public async Task S4_4_2_sort_by_to_and_hasKeyword()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var byTo = await QueryAsync(c.Client, null, new JsonArray(new JsonObject { ["property"] = "to" }, new JsonObject { ["property"] = "receivedAt" }));
        Assert.Equal([c.Small, c.Reply, c.Large], byTo);
        var flaggedFirst = await QueryAsync(c.Client, null, new JsonArray(new JsonObject { ["property"] = "hasKeyword", ["keyword"] = "$flagged", ["isAscending"] = false }, new JsonObject { ["property"] = "receivedAt" }));
        Assert.Equal(c.Small, flaggedFirst[0]);
    }

    [Fact]
    public async Task S4_4_2_every_advertised_sort_works_and_any_other_is_unsupportedSort()
    {
        // RFC 8621 §1.3.1: emailQuerySortOptions: "A list of all the values the server supports for the "property" field of the Comparator object in an "Email/query" sort."
        var c = await CorpusAsync();
        using var _ = c.Client;
        var options = Ids(c.Client.Session["accounts"]![c.Client.AccountId]!["accountCapabilities"]!["urn:ietf:params:jmap:mail"]!["emailQuerySortOptions"]);
        Assert.Contains("receivedAt", options);
        foreach (var option in options)
        {
            var comparator = new JsonObject { ["property"] = option };
            if (option.EndsWith("Keyword", StringComparison.Ordinal))
            {
                comparator["keyword"] = "$seen";
            }

            var ids = await QueryAsync(c.Client, null, new JsonArray(comparator));
            Assert.Equal(3, ids.Count);
        }

        foreach (var other in new[] { "allInThreadHaveKeyword", "someInThreadHaveKeyword", "cc", "colour" }.Where(o => !options.Contains(o)))
        {
            var comparator = new JsonObject { ["property"] = other, ["keyword"] = "$seen" };
            Assert.Equal("unsupportedSort", await c.Client.ErrorAsync("Email/query", new JsonObject { ["sort"] = new JsonArray(comparator) }));
        }
    }

    [Fact]
    public async Task S4_4_collapseThreads_returns_one_email_per_thread()
    {
        // RFC 8621 §4.4: collapseThreads: "If true, Emails in the same Thread as a previous Email in the list ... will be removed from the list."
        var c = await CorpusAsync();
        using var _ = c.Client;
        var sort = Sort("receivedAt", false);
        var collapsed = await QueryAsync(c.Client, null, sort, collapseThreads: true);
        Assert.Equal([c.Large, c.Reply], collapsed);
        var result = await c.Client.OkAsync("Email/query", new JsonObject { ["collapseThreads"] = true, ["calculateTotal"] = true });
        Assert.Equal(2, result["total"]!.GetValue<int>());
        Assert.True(result["collapseThreads"]!.GetValue<bool>());
    }

    [Fact]
    public async Task S4_4_a_default_sort_is_newest_receivedAt_first_and_invalid_ids_in_conditions_are_no_error()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var ids = await QueryAsync(c.Client, null);
        Assert.Equal(3, ids.Count);
        Assert.Equal("invalidArguments", await c.Client.ErrorAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["minSize"] = "big" } }));
        Assert.Equal("invalidArguments", await c.Client.ErrorAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["hasKeyword"] = "bad keyword" } }));
    }

    [Fact]
    public async Task S4_3_Email_changes_created_updated_destroyed()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var state = (await c.Client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        var added = await ImportAsync(c.Client, Simple("Later"));
        Assert.Null(await UpdateEmailAsync(c.Client, c.Small, new JsonObject { ["keywords/$answered"] = true }));
        await c.Client.OkAsync("Email/set", new JsonObject { ["destroy"] = new JsonArray(c.Large) });
        var changes = await c.Client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = state });
        Assert.Equal([added], Ids(changes["created"]));
        Assert.Equal([c.Small], Ids(changes["updated"]));
        Assert.Equal([c.Large], Ids(changes["destroyed"]));
        Assert.Equal(state, changes["oldState"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_3_maxChanges_pages_with_hasMoreChanges()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var state = (await c.Client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await ImportAsync(c.Client, Simple("Paged " + i)));
        }

        var seen = new List<string>();
        for (var round = 0; round < 5; round++)
        {
            var changes = await c.Client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = state, ["maxChanges"] = 2 });
            var page = Ids(changes["created"]).Concat(Ids(changes["updated"])).ToList();
            Assert.True(page.Count <= 2);
            seen.AddRange(Ids(changes["created"]));
            state = changes["newState"]!.GetValue<string>();
            if (!changes["hasMoreChanges"]!.GetValue<bool>())
            {
                break;
            }
        }

        Assert.Equal(ids.Order(), seen.Distinct().Order());
    }

    [Fact]
    public async Task S4_5_queryChanges_after_a_keyword_change_removes_and_adds()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var filter = new JsonObject { ["notKeyword"] = "$seen" };
        var query = await c.Client.OkAsync("Email/query", new JsonObject { ["filter"] = filter.DeepClone() });
        Assert.Equal([c.Reply], Ids(query["ids"]));
        Assert.Null(await UpdateEmailAsync(c.Client, c.Reply, new JsonObject { ["keywords/$seen"] = true }));
        Assert.Null(await UpdateEmailAsync(c.Client, c.Large, new JsonObject { ["keywords/$seen"] = null }));
        var changes = await c.Client.OkAsync("Email/queryChanges", new JsonObject { ["filter"] = filter.DeepClone(), ["sinceQueryState"] = query["queryState"]!.DeepClone(), ["calculateTotal"] = true });
        Assert.Contains(c.Reply, Ids(changes["removed"]));
        Assert.Equal([c.Large], changes["added"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()).ToList());
        Assert.Equal(1, changes["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task S4_5_queryChanges_after_a_delivery_adds_at_its_index_and_honours_upToId()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var sort = Sort("receivedAt", false);
        var query = await c.Client.OkAsync("Email/query", new JsonObject { ["sort"] = sort.DeepClone() });
        var added = await ImportAsync(c.Client, Simple("Newest"), receivedAt: "2026-03-01T00:00:00Z");
        var changes = await c.Client.OkAsync("Email/queryChanges", new JsonObject { ["sort"] = sort.DeepClone(), ["sinceQueryState"] = query["queryState"]!.DeepClone() });
        var entry = Assert.Single(changes["added"]!.AsArray())!;
        Assert.Equal(added, entry["id"]!.GetValue<string>());
        Assert.Equal(0, entry["index"]!.GetValue<int>());
        Assert.Equal("cannotCalculateChanges", await c.Client.ErrorAsync("Email/queryChanges", new JsonObject { ["sinceQueryState"] = "nonsense" }));
    }

    [Fact]
    public async Task S4_5_queryChanges_with_collapseThreads_reports_the_thread_representative_change()
    {
        var c = await CorpusAsync();
        using var _ = c.Client;
        var sort = Sort("receivedAt", false);
        var query = await c.Client.OkAsync("Email/query", new JsonObject { ["sort"] = sort.DeepClone(), ["collapseThreads"] = true });
        Assert.Equal([c.Large, c.Reply], Ids(query["ids"]));
        // A newer reply in the apple thread replaces the thread's representative.
        var small = (await EmailAsync(c.Client, c.Small, ["messageId"]))["messageId"]![0]!.GetValue<string>();
        var newer = Simple("Re: Apple pie recipe");
        newer.InReplyTo = small;
        newer.References.Add(small);
        var newerId = await ImportAsync(c.Client, Bytes(newer), c.Inbox, null, "2026-03-01T00:00:00Z");
        var changes = await c.Client.OkAsync("Email/queryChanges", new JsonObject { ["sort"] = sort.DeepClone(), ["collapseThreads"] = true, ["sinceQueryState"] = query["queryState"]!.DeepClone() });
        Assert.Contains(c.Reply, Ids(changes["removed"]));
        Assert.Contains(newerId, changes["added"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()));
        var now = await QueryAsync(c.Client, null, sort, collapseThreads: true);
        Assert.Equal([newerId, c.Large], now);
    }
}

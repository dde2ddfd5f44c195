using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §3: Thread/get and Thread/changes, and how replies are joined into threads.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621ThreadTests(DeploymentFixture fixture)
{
    private static async Task<string> ThreadOfAsync(JmapClient client, string emailId)
        => (await EmailAsync(client, emailId, ["threadId"]))["threadId"]!.GetValue<string>();

    private static async Task<List<string>> ThreadEmailsAsync(JmapClient client, string threadId)
    {
        var result = await client.OkAsync("Thread/get", new JsonObject { ["ids"] = new JsonArray(threadId) });
        return Ids(result["list"]![0]!["emailIds"]);
    }

    [Fact]
    public async Task S3_emailIds_are_sorted_by_receivedAt_oldest_first()
    {
        // RFC 8621 §3: emailIds: "The ids of the Emails in the Thread, sorted by the receivedAt date of the Email, oldest first."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var original = Simple("Ordering");
        var reply = Simple("Re: Ordering");
        reply.InReplyTo = original.MessageId;
        reply.References.Add(original.MessageId!);
        var second = Simple("Re: Ordering");
        second.References.Add(original.MessageId!);
        var replyId = await ImportAsync(client, reply, receivedAt: "2026-03-02T00:00:00Z");
        var originalId = await ImportAsync(client, original, receivedAt: "2026-03-01T00:00:00Z");
        var secondId = await ImportAsync(client, second, receivedAt: "2026-03-03T00:00:00Z");
        var thread = await ThreadOfAsync(client, originalId);
        Assert.Equal(thread, await ThreadOfAsync(client, replyId));
        Assert.Equal([originalId, replyId, secondId], await ThreadEmailsAsync(client, thread));
    }

    [Fact]
    public async Task S3_a_reply_is_joined_by_In_Reply_To_alone_and_by_References_alone()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var original = Simple("Joined");
        var byInReplyTo = Simple("Re: Joined");
        byInReplyTo.InReplyTo = original.MessageId;
        var byReferences = Simple("RE: Joined");
        byReferences.References.Add("unrelated@test");
        byReferences.References.Add(original.MessageId!);
        var a = await ImportAsync(client, original);
        var b = await ImportAsync(client, byInReplyTo);
        var c = await ImportAsync(client, byReferences);
        var thread = await ThreadOfAsync(client, a);
        Assert.Equal(thread, await ThreadOfAsync(client, b));
        Assert.Equal(thread, await ThreadOfAsync(client, c));
        Assert.Equal(3, (await ThreadEmailsAsync(client, thread)).Count);
    }

    [Fact]
    public async Task S3_same_subject_without_references_is_a_thread_of_its_own()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var a = await ImportAsync(client, Simple("Lonely subject"));
        var b = await ImportAsync(client, Simple("Lonely subject"));
        Assert.NotEqual(await ThreadOfAsync(client, a), await ThreadOfAsync(client, b));
    }

    [Fact]
    public async Task S3_a_reference_with_a_different_base_subject_starts_a_new_thread()
    {
        // RFC 8621 §3 suggests joining only when "the subject is the same after removing any prefix or suffix added by the client".
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var original = Simple("Budget");
        var changed = Simple("Holiday party");
        changed.InReplyTo = original.MessageId;
        changed.References.Add(original.MessageId!);
        var a = await ImportAsync(client, original);
        var b = await ImportAsync(client, changed);
        Assert.NotEqual(await ThreadOfAsync(client, a), await ThreadOfAsync(client, b));
    }

    [Fact]
    public async Task S3_1_unknown_thread_ids_are_notFound_and_properties_are_checked()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Simple("Thread get"));
        var thread = await ThreadOfAsync(client, id);
        var result = await client.OkAsync("Thread/get", new JsonObject { ["ids"] = new JsonArray(thread, "T999999", thread) });
        Assert.Single(result["list"]!.AsArray());
        Assert.Equal(["T999999"], Ids(result["notFound"]));
        Assert.False(string.IsNullOrEmpty(result["state"]!.GetValue<string>()));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Thread/get", new JsonObject { ["ids"] = new JsonArray(thread), ["properties"] = new JsonArray("subject") }));
    }

    [Fact]
    public async Task S3_2_Thread_changes_reports_a_new_thread_and_a_thread_that_gained_a_reply()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var original = Simple("Changing thread");
        var first = await ImportAsync(client, original);
        var thread = await ThreadOfAsync(client, first);
        var state = (await client.OkAsync("Thread/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        var reply = Simple("Re: Changing thread");
        reply.InReplyTo = original.MessageId;
        await ImportAsync(client, reply);
        var fresh = await ThreadOfAsync(client, await ImportAsync(client, Simple("Brand new thread")));
        var changes = await client.OkAsync("Thread/changes", new JsonObject { ["sinceState"] = state });
        var touched = Ids(changes["created"]).Concat(Ids(changes["updated"])).ToList();
        Assert.Contains(thread, Ids(changes["updated"]));
        Assert.Contains(fresh, touched);
        Assert.False(changes["hasMoreChanges"]!.GetValue<bool>());

        // A thread whose only email is destroyed is reported destroyed.
        state = changes["newState"]!.GetValue<string>();
        var lone = await ImportAsync(client, Simple("Doomed thread"));
        var loneThread = await ThreadOfAsync(client, lone);
        state = (await client.OkAsync("Thread/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        await client.OkAsync("Email/set", new JsonObject { ["destroy"] = new JsonArray(lone) });
        changes = await client.OkAsync("Thread/changes", new JsonObject { ["sinceState"] = state });
        Assert.Contains(loneThread, Ids(changes["destroyed"]));
    }
}

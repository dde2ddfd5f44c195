using System.Text;
using System.Threading.Channels;
using Mail.Host.Mail;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>Access control lists, shared mailboxes and metadata (RFC 4314, RFC 5464), on every backend.</summary>
public abstract partial class MailEngineConformance
{
    /// <summary>
    /// A mailbox shared with lookup and read is listed and readable by the grantee, who cannot change flags, append or
    /// expunge; more rights make those work, and revoking hides the mailbox again.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_shared_mailbox_is_used_by_the_rights_its_owner_grants()
    {
        var aliceId = await Engine.GetAccountIdAsync("alice");
        var bobId = await Engine.GetAccountIdAsync("Bob");
        var alice = Engine.OpenAccount(aliceId);
        var bob = Engine.OpenAccount(bobId);
        var team = await alice.CreateMailboxAsync("Team");
        var appended = await alice.AppendAsync(team.Id, new MemoryStream(MailTestMessages.Simple("shared hello")));
        await alice.CreateMailboxAsync("Private");

        Assert.Empty(await bob.GetSharedMailboxesAsync());
        await alice.SetAclAsync(team.Id, "BOB", MailboxRights.Lookup | MailboxRights.Read);

        var shared = Assert.Single(await bob.GetSharedMailboxesAsync());
        Assert.Equal(aliceId, shared.OwnerAccountId);
        Assert.Equal("alice", shared.OwnerName);
        Assert.Equal("Team", shared.Mailbox.Name);
        Assert.Equal(MailboxRights.Lookup | MailboxRights.Read, shared.Rights);

        var view = Engine.OpenSharedAccount(aliceId, bobId);
        Assert.Equal("Team", Assert.Single(await view.GetMailboxesAsync()).Name);
        Assert.Null(await view.FindMailboxAsync("Private"));
        Assert.Null(await view.FindMailboxAsync("INBOX"));
        Assert.Equal(MailboxRights.Lookup | MailboxRights.Read, await view.GetMyRightsAsync(team.Id));

        var messages = await view.GetMessagesAsync(team.Id).ToListAsync();
        var message = Assert.Single(messages);
        Assert.Equal(appended.Uid, message.Uid);
        var email = Assert.Single(await view.GetEmailsAsync([message.EmailId]));
        Assert.Equal("shared hello", email.Metadata.Envelope.Subject);
        Assert.NotNull(await view.ReadMessageAsync(message.EmailId, 0, 10));

        var flag = await Assert.ThrowsAsync<MailException>(async () => await view.SetKeywordsAsync(team.Id, [message.Uid], KeywordOperation.Add, [MailKeywords.Flagged]));
        Assert.Equal(MailErrorCode.NotPermitted, flag.Code);
        var append = await Assert.ThrowsAsync<MailException>(async () => await view.AppendAsync(team.Id, new MemoryStream(MailTestMessages.Simple("from bob"))));
        Assert.Equal(MailErrorCode.NotPermitted, append.Code);
        var expunge = await Assert.ThrowsAsync<MailException>(async () => await view.ExpungeAsync(team.Id));
        Assert.Equal(MailErrorCode.NotPermitted, expunge.Code);
        var acl = await Assert.ThrowsAsync<MailException>(async () => await view.GetAclAsync(team.Id));
        Assert.Equal(MailErrorCode.NotPermitted, acl.Code);

        await alice.SetAclAsync(team.Id, "bob", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Write | MailboxRights.Insert | MailboxRights.DeleteMessages | MailboxRights.Expunge);
        await view.SetKeywordsAsync(team.Id, [message.Uid], KeywordOperation.Add, [MailKeywords.Flagged]);
        var bobs = await view.AppendAsync(team.Id, new MemoryStream(MailTestMessages.Simple("from bob")), [MailKeywords.Seen, MailKeywords.Flagged]);
        Assert.True(bobs.Succeeded);
        var stored = await alice.GetMessagesAsync(team.Id).ToListAsync();
        Assert.Equal(2, stored.Count);
        Assert.Contains(MailKeywords.Flagged, stored[0].Keywords);
        Assert.DoesNotContain(MailKeywords.Seen, stored[1].Keywords);
        await view.SetKeywordsAsync(team.Id, [bobs.Uid], KeywordOperation.Add, [MailKeywords.Deleted]);
        Assert.Equal([bobs.Uid], await view.ExpungeAsync(team.Id));

        await alice.DeleteAclAsync(team.Id, "bob");
        Assert.Empty(await bob.GetSharedMailboxesAsync());
        Assert.Empty(await view.GetMailboxesAsync());
        Assert.Null(await view.GetMailboxAsync(team.Id));
        var gone = await Assert.ThrowsAsync<MailException>(async () => await view.GetMessagesAsync(team.Id).ToListAsync());
        Assert.Equal(MailErrorCode.MailboxNotFound, gone.Code);
        Assert.Null(await view.ReadMessageAsync(message.EmailId, 0, 10));
    }

    /// <summary>GETACL lists the owner, anyone and principals; anyone's rights reach every account; deleting the mailbox forgets them.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task An_access_control_list_names_the_owner_anyone_and_principals_and_goes_with_its_mailbox()
    {
        var ownerId = await Engine.GetAccountIdAsync("owner");
        var carolId = await Engine.GetAccountIdAsync("carol");
        var daveId = await Engine.GetAccountIdAsync("dave");
        var owner = Engine.OpenAccount(ownerId);
        var news = await owner.CreateMailboxAsync("News");
        await owner.SetAclAsync(news.Id, "anyone", MailboxRights.Lookup);
        await owner.SetAclAsync(news.Id, "carol", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Administer);

        var entries = await owner.GetAclAsync(news.Id);
        Assert.Equal(
            [new MailboxAccessEntry("owner", MailboxRights.All), new MailboxAccessEntry("anyone", MailboxRights.Lookup), new MailboxAccessEntry("carol", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Administer)],
            entries);
        Assert.Equal(MailboxRights.All, await owner.GetMyRightsAsync(news.Id));
        var own = await Assert.ThrowsAsync<MailException>(async () => await owner.SetAclAsync(news.Id, "OWNER", MailboxRights.Lookup));
        Assert.Equal(MailErrorCode.InvalidArgument, own.Code);

        await owner.AppendAsync(news.Id, new MemoryStream(MailTestMessages.Simple("headline")));
        var lookupOnly = Assert.Single(await Engine.OpenAccount(daveId).GetSharedMailboxesAsync());
        Assert.Equal(MailboxRights.Lookup, lookupOnly.Rights);
        Assert.Equal(0, lookupOnly.Mailbox.TotalMessages);
        Assert.Equal(0, (await Engine.OpenSharedAccount(ownerId, daveId).GetMailboxAsync(news.Id))!.TotalMessages);
        Assert.Equal(1, (await Engine.OpenSharedAccount(ownerId, carolId).GetMailboxAsync(news.Id))!.TotalMessages);
        var select = await Assert.ThrowsAsync<MailException>(async () => await Engine.OpenSharedAccount(ownerId, daveId).GetMessagesAsync(news.Id).ToListAsync());
        Assert.Equal(MailErrorCode.NotPermitted, select.Code);
        var carolView = Engine.OpenSharedAccount(ownerId, carolId);
        Assert.Equal(3, (await carolView.GetAclAsync(news.Id)).Count);
        await carolView.SetAclAsync(news.Id, "dave", MailboxRights.Lookup | MailboxRights.Read);
        Assert.Equal(MailboxRights.Lookup | MailboxRights.Read, await Engine.OpenSharedAccount(ownerId, daveId).GetMyRightsAsync(news.Id));

        await owner.DeleteMailboxAsync(news.Id, removeMessages: true);
        Assert.Empty(await Engine.OpenAccount(carolId).GetSharedMailboxesAsync());
        Assert.Empty(await Engine.OpenAccount(daveId).GetSharedMailboxesAsync());
        var recreated = await owner.CreateMailboxAsync("News");
        Assert.Single(await owner.GetAclAsync(recreated.Id));
    }

    /// <summary>A change made through a shared handle reaches the owner's subscribers, so sessions watching the mailbox see it.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_change_through_a_shared_handle_is_announced_to_the_owners_subscribers()
    {
        var ownerId = await Engine.GetAccountIdAsync("erin");
        var userId = await Engine.GetAccountIdAsync("frank");
        var owner = Engine.OpenAccount(ownerId);
        var box = await owner.CreateMailboxAsync("Shared");
        await owner.SetAclAsync(box.Id, "frank", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Insert);
        var heard = Channel.CreateUnbounded<MailNotification>();
        await using var subscription = await Engine.SubscribeAsync(ownerId, (n, _) => heard.Writer.WriteAsync(n));

        await Engine.OpenSharedAccount(ownerId, userId).AppendAsync(box.Id, new MemoryStream(MailTestMessages.Simple("via share")));

        var added = await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MessagesAdded));
        Assert.Contains(box.Id, added.MailboxIds);
    }

    /// <summary>Metadata: server and mailbox entries round trip, /private is per user, /shared per mailbox, with limits.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Metadata_entries_round_trip_per_scope_within_the_limits()
    {
        var gusId = await Engine.GetAccountIdAsync("gus");
        var hanaId = await Engine.GetAccountIdAsync("hana");
        var gus = Engine.OpenAccount(gusId);
        var hana = Engine.OpenAccount(hanaId);
        var inbox = await InboxAsync(gus);

        await gus.SetMetadataAsync(null, [new MetadataEntry("/private/Vendor/Client", Encoding.UTF8.GetBytes("one"))]);
        var server = Assert.Single(await gus.GetMetadataAsync(null));
        Assert.Equal("/private/vendor/client", server.Name);
        Assert.Equal("one", Encoding.UTF8.GetString(server.Value!));
        Assert.Empty(await hana.GetMetadataAsync(null));
        var sharedServer = await Assert.ThrowsAsync<MailException>(async () => await gus.SetMetadataAsync(null, [new MetadataEntry("/shared/admin", [1])]));
        Assert.Equal(MailErrorCode.NotPermitted, sharedServer.Code);

        await gus.SetMetadataAsync(inbox.Id, [new MetadataEntry("/shared/comment", Encoding.UTF8.GetBytes("team inbox")), new MetadataEntry("/private/comment", Encoding.UTF8.GetBytes("mine"))]);
        Assert.Equal(["/private/comment", "/shared/comment"], (await gus.GetMetadataAsync(inbox.Id)).Select(e => e.Name));

        await gus.SetAclAsync(inbox.Id, "hana", MailboxRights.Lookup | MailboxRights.Read);
        var view = Engine.OpenSharedAccount(gusId, hanaId);
        var seen = Assert.Single(await view.GetMetadataAsync(inbox.Id));
        Assert.Equal("/shared/comment", seen.Name);
        await view.SetMetadataAsync(inbox.Id, [new MetadataEntry("/private/comment", Encoding.UTF8.GetBytes("hana's"))]);
        Assert.Equal("hana's", Encoding.UTF8.GetString((await view.GetMetadataAsync(inbox.Id)).Single(e => e.Name == "/private/comment").Value!));
        Assert.Equal("mine", Encoding.UTF8.GetString((await gus.GetMetadataAsync(inbox.Id)).Single(e => e.Name == "/private/comment").Value!));
        var write = await Assert.ThrowsAsync<MailException>(async () => await view.SetMetadataAsync(inbox.Id, [new MetadataEntry("/shared/comment", [1])]));
        Assert.Equal(MailErrorCode.NotPermitted, write.Code);

        await gus.SetMetadataAsync(inbox.Id, [new MetadataEntry("/shared/comment", null)]);
        Assert.Equal(["/private/comment"], (await gus.GetMetadataAsync(inbox.Id)).Select(e => e.Name));

        var big = await Assert.ThrowsAsync<MailException>(async () => await gus.SetMetadataAsync(inbox.Id, [new MetadataEntry("/private/big", new byte[Engine.Options.MaxMetadataValueBytes + 1])]));
        Assert.Equal(MailErrorCode.ValueTooLarge, big.Code);
        var tooMany = Enumerable.Range(0, Engine.Options.MaxMetadataEntries).Select(i => new MetadataEntry($"/private/n{i}", [1])).ToList();
        var many = await Assert.ThrowsAsync<MailException>(async () => await gus.SetMetadataAsync(inbox.Id, tooMany));
        Assert.Equal(MailErrorCode.TooManyEntries, many.Code);
        Assert.Single(await gus.GetMetadataAsync(inbox.Id));
        var bad = await Assert.ThrowsAsync<MailException>(async () => await gus.SetMetadataAsync(inbox.Id, [new MetadataEntry("/other/x", [1])]));
        Assert.Equal(MailErrorCode.InvalidArgument, bad.Code);
    }
}

using System.Text;
using System.Threading.Channels;
using Mail.Host.Engine.Mail;
using Mail.Host.Mail;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>Per-user <c>$seen</c> in shared mailboxes, group and negative rights, and metadata notifications, on every backend.</summary>
public abstract partial class MailEngineConformance
{
    /// <summary>
    /// A reader's <c>$seen</c> in a shared mailbox is its own: its reads do not mark the owner's messages read and the
    /// owner's do not mark the reader's; listings, changes, searches, unseen counts and notifications follow it.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_reader_keeps_its_own_seen_state_in_a_shared_mailbox()
    {
        var ownerId = await Engine.GetAccountIdAsync("olga");
        var readerId = await Engine.GetAccountIdAsync("pete");
        var owner = Engine.OpenAccount(ownerId);
        var box = await owner.CreateMailboxAsync("Desk");
        var first = await AppendAsync(owner, box.Id, "first");
        var second = await AppendAsync(owner, box.Id, "second");
        await owner.SetAclAsync(box.Id, "pete", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Seen | MailboxRights.Write | MailboxRights.DeleteMessages);
        var view = Engine.OpenSharedAccount(ownerId, readerId);
        var heard = Channel.CreateUnbounded<MailNotification>();
        await using var subscription = await Engine.SubscribeAsync(ownerId, (n, _) => heard.Writer.WriteAsync(n));
        var before = (await view.GetMailboxAsync(box.Id))!.HighestModSeq;

        var marked = await view.SetKeywordsAsync(box.Id, [first.Uid], KeywordOperation.Add, [MailKeywords.Seen]);
        var updated = Assert.Single(marked.Updated);
        Assert.Equal(first.Uid, updated.Uid);
        Assert.Contains(MailKeywords.Seen, updated.Keywords);
        var announced = await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MessagesChanged));
        Assert.True(announced.ModSeq > before);

        // The owner's view is unchanged; the reader's shows its own mark, in listings and in the changes since.
        Assert.All(await owner.GetMessagesAsync(box.Id).ToListAsync(), m => Assert.DoesNotContain(MailKeywords.Seen, m.Keywords));
        Assert.Equal(2, (await owner.GetMailboxAsync(box.Id))!.UnseenMessages);
        var seenByReader = await view.GetMessagesAsync(box.Id).ToListAsync();
        Assert.Contains(MailKeywords.Seen, seenByReader.Single(m => m.Uid == first.Uid).Keywords);
        Assert.DoesNotContain(MailKeywords.Seen, seenByReader.Single(m => m.Uid == second.Uid).Keywords);
        var changed = Assert.Single(await view.GetChangedMessagesAsync(box.Id, before));
        Assert.Equal(first.Uid, changed.Uid);
        Assert.Contains(MailKeywords.Seen, changed.Keywords);
        Assert.Equal(1, (await view.GetMailboxAsync(box.Id))!.UnseenMessages);
        Assert.Equal(1, Assert.Single(await Engine.OpenAccount(readerId).GetSharedMailboxesAsync()).Mailbox.UnseenMessages);
        Assert.Equal([first.Uid], await view.SearchMailboxAsync(box.Id, new MailFilter.HasKeyword(MailKeywords.Seen)));
        Assert.Equal([second.Uid], await view.SearchMailboxAsync(box.Id, MailFilter.NotKeyword(MailKeywords.Seen)));
        Assert.Empty(await owner.SearchMailboxAsync(box.Id, new MailFilter.HasKeyword(MailKeywords.Seen)));

        // The owner reading the second message does not mark it read for the reader.
        await owner.SetKeywordsAsync(box.Id, [second.Uid], KeywordOperation.Add, [MailKeywords.Seen]);
        Assert.DoesNotContain(MailKeywords.Seen, (await view.GetMessagesAsync(box.Id, second.Uid, second.Uid).SingleAsync()).Keywords);
        Assert.Equal([first.Uid], await view.SearchMailboxAsync(box.Id, new MailFilter.HasKeyword(MailKeywords.Seen)));

        // Other flags are the owner's; a replacement keeps the owner's $seen and sets the reader's.
        await view.SetKeywordsAsync(box.Id, [second.Uid], KeywordOperation.Replace, [MailKeywords.Flagged, MailKeywords.Seen]);
        Assert.Equal([MailKeywords.Flagged, MailKeywords.Seen], (await owner.GetMessagesAsync(box.Id, second.Uid, second.Uid).SingleAsync()).Keywords);
        await view.SetKeywordsAsync(box.Id, [first.Uid], KeywordOperation.Replace, [MailKeywords.Flagged]);
        Assert.Equal([MailKeywords.Flagged], (await owner.GetMessagesAsync(box.Id, first.Uid, first.Uid).SingleAsync()).Keywords);
        Assert.Equal([MailKeywords.Flagged], (await view.GetMessagesAsync(box.Id, first.Uid, first.Uid).SingleAsync()).Keywords);
        Assert.Equal([second.Uid], await view.SearchMailboxAsync(box.Id, new MailFilter.HasKeyword(MailKeywords.Seen)));

        // UNCHANGEDSINCE applies to the reader's mark too.
        var stale = await view.SetKeywordsAsync(box.Id, [first.Uid], KeywordOperation.Add, [MailKeywords.Seen], unchangedSince: 1);
        Assert.Equal([first.Uid], stale.Modified);
        Assert.Empty(stale.Updated);

        // A message the reader appends is seen by the reader only.
        await owner.SetAclAsync(box.Id, "pete", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Seen | MailboxRights.Insert);
        var own = await view.AppendAsync(box.Id, new MemoryStream(MailTestMessages.Simple("from pete")), [MailKeywords.Seen]);
        Assert.True(own.Succeeded);
        Assert.DoesNotContain(MailKeywords.Seen, (await owner.GetMessagesAsync(box.Id, own.Uid, own.Uid).SingleAsync()).Keywords);
        Assert.Contains(MailKeywords.Seen, (await view.GetMessagesAsync(box.Id, own.Uid, own.Uid).SingleAsync()).Keywords);

        // A copy within the owner's account takes the reader's marks along.
        var archive = await owner.CreateMailboxAsync("Desk/Archive");
        await owner.SetAclAsync(archive.Id, "pete", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Seen | MailboxRights.Insert);
        var copied = await view.CopyAsync(box.Id, [first.Uid, own.Uid], archive.Id);
        Assert.Equal(2, copied.DestinationUids.Count);
        var copiedOwn = copied.DestinationUids[copied.SourceUids.ToList().IndexOf(own.Uid)];
        var readerCopies = await view.GetMessagesAsync(archive.Id).ToListAsync();
        Assert.Equal([copiedOwn], readerCopies.Where(m => m.Keywords.Contains(MailKeywords.Seen)).Select(m => m.Uid));
        Assert.All(await owner.GetMessagesAsync(archive.Id).ToListAsync(), m => Assert.DoesNotContain(MailKeywords.Seen, m.Keywords));

        // Without the right s the reader cannot keep a mark.
        await owner.SetAclAsync(box.Id, "pete", MailboxRights.Lookup | MailboxRights.Read);
        var refused = await Assert.ThrowsAsync<MailException>(async () => await view.SetKeywordsAsync(box.Id, [first.Uid], KeywordOperation.Add, [MailKeywords.Seen]));
        Assert.Equal(MailErrorCode.NotPermitted, refused.Code);
    }

    /// <summary>With per-user <c>$seen</c> turned off, one <c>$seen</c> is shared by the owner and the readers.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Seen_is_shared_with_the_owner_when_per_user_seen_is_off()
    {
        var engine = NewEngine(new MailEngineOptions { PerUserSeenInSharedMailboxes = false });
        var ownerId = await engine.GetAccountIdAsync("quinn");
        var readerId = await engine.GetAccountIdAsync("rosa");
        var owner = engine.OpenAccount(ownerId);
        var box = await owner.CreateMailboxAsync("Common");
        var message = await AppendAsync(owner, box.Id, "common");
        await owner.SetAclAsync(box.Id, "rosa", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Seen);

        await engine.OpenSharedAccount(ownerId, readerId).SetKeywordsAsync(box.Id, [message.Uid], KeywordOperation.Add, [MailKeywords.Seen]);

        Assert.Contains(MailKeywords.Seen, (await owner.GetMessagesAsync(box.Id).SingleAsync()).Keywords);
        Assert.Equal(0, (await owner.GetMailboxAsync(box.Id))!.UnseenMessages);
    }

    /// <summary>
    /// Rights granted to a group (<c>$name</c>) reach its members through the directory's membership, asked when the
    /// rights are used; negative rights (<c>-name</c>) take rights away from a user or a group's members.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Group_and_negative_rights_follow_the_directorys_membership()
    {
        var members = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase) { ["sam"] = ["sales"], ["tina"] = ["sales"], ["uma"] = [] };
        var engine = new MailEngine(Data, Blobs, new MailEngineOptions { GroupMembershipCacheTime = TimeSpan.FromSeconds(30) }, Clock)
        {
            MemberOf = (name, _) => ValueTask.FromResult<IReadOnlyList<string>>(members.GetValueOrDefault(name) ?? []),
        };
        var ownerId = await engine.GetAccountIdAsync("victor");
        var samId = await engine.GetAccountIdAsync("sam");
        var tinaId = await engine.GetAccountIdAsync("tina");
        var umaId = await engine.GetAccountIdAsync("uma");
        var owner = engine.OpenAccount(ownerId);
        var leads = await owner.CreateMailboxAsync("Leads");
        await AppendAsync(owner, leads.Id, "lead");

        await owner.SetAclAsync(leads.Id, "$sales", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Insert);
        await owner.SetAclAsync(leads.Id, "-tina", MailboxRights.Insert);
        Assert.Equal(
            [new MailboxAccessEntry("victor", MailboxRights.All), new MailboxAccessEntry("$sales", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Insert), new MailboxAccessEntry("-tina", MailboxRights.Insert)],
            (await owner.GetAclAsync(leads.Id)).OrderBy(e => e.Identifier == "victor" ? 0 : e.Identifier.StartsWith('$') ? 1 : 2).ToList());

        Assert.Equal(MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Insert, await engine.OpenSharedAccount(ownerId, samId).GetMyRightsAsync(leads.Id));
        Assert.Equal(MailboxRights.Lookup | MailboxRights.Read, await engine.OpenSharedAccount(ownerId, tinaId).GetMyRightsAsync(leads.Id));
        Assert.Equal("Leads", Assert.Single(await engine.OpenAccount(samId).GetSharedMailboxesAsync()).Mailbox.Name);
        Assert.Single(await engine.OpenSharedAccount(ownerId, samId).GetMessagesAsync(leads.Id).ToListAsync());
        var tinaAppend = await Assert.ThrowsAsync<MailException>(async () => await engine.OpenSharedAccount(ownerId, tinaId).AppendAsync(leads.Id, new MemoryStream(MailTestMessages.Simple("x"))));
        Assert.Equal(MailErrorCode.NotPermitted, tinaAppend.Code);
        Assert.Empty(await engine.OpenAccount(umaId).GetSharedMailboxesAsync());
        Assert.Null(await engine.OpenSharedAccount(ownerId, umaId).GetMailboxAsync(leads.Id));

        // Membership is asked again once the cached answer is older than GroupMembershipCacheTime.
        members["uma"] = ["sales"];
        members["sam"] = [];
        Assert.Null(await engine.OpenSharedAccount(ownerId, umaId).GetMailboxAsync(leads.Id));
        Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.NotNull(await engine.OpenSharedAccount(ownerId, umaId).GetMailboxAsync(leads.Id));
        Assert.Empty(await engine.OpenAccount(samId).GetSharedMailboxesAsync());

        // A negative entry for the group takes the right from every member; deleting it gives it back.
        await owner.SetAclAsync(leads.Id, "-$sales", MailboxRights.Read);
        Assert.Equal(MailboxRights.Lookup | MailboxRights.Insert, await engine.OpenSharedAccount(ownerId, umaId).GetMyRightsAsync(leads.Id));
        await owner.DeleteAclAsync(leads.Id, "-$sales");
        Assert.Equal(MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Insert, await engine.OpenSharedAccount(ownerId, umaId).GetMyRightsAsync(leads.Id));
        var self = await Assert.ThrowsAsync<MailException>(async () => await owner.SetAclAsync(leads.Id, "-victor", MailboxRights.Read));
        Assert.Equal(MailErrorCode.InvalidArgument, self.Code);
    }

    /// <summary>Setting metadata is announced to the account's subscribers, naming the mailbox (0 for server entries).</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Metadata_changes_are_announced_with_their_mailbox()
    {
        var ownerId = await Engine.GetAccountIdAsync("wanda");
        var readerId = await Engine.GetAccountIdAsync("xavi");
        var owner = Engine.OpenAccount(ownerId);
        var box = await owner.CreateMailboxAsync("Notes");
        await owner.SetAclAsync(box.Id, "xavi", MailboxRights.Lookup | MailboxRights.Read | MailboxRights.Write);
        var heard = Channel.CreateUnbounded<MailNotification>();
        await using var subscription = await Engine.SubscribeAsync(ownerId, (n, _) => heard.Writer.WriteAsync(n));

        await owner.SetMetadataAsync(box.Id, [new MetadataEntry("/shared/comment", Encoding.UTF8.GetBytes("notes"))]);
        var mailboxChange = await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MetadataChanged));
        Assert.Equal([box.Id], mailboxChange.MetadataMailboxIds);

        await Engine.OpenSharedAccount(ownerId, readerId).SetMetadataAsync(box.Id, [new MetadataEntry("/shared/comment", Encoding.UTF8.GetBytes("by xavi"))]);
        Assert.Equal([box.Id], (await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MetadataChanged))).MetadataMailboxIds);

        await owner.SetMetadataAsync(null, [new MetadataEntry("/private/vendor/x", [1])]);
        Assert.Equal([0UL], (await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MetadataChanged))).MetadataMailboxIds);
        Assert.Equal("by xavi", Encoding.UTF8.GetString((await owner.GetMetadataAsync(box.Id)).Single().Value!));
    }
}

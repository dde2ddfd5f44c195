using System.Text;
using Mail.Host.Engine.Mail;
using Mail.Host.Engine.Storage;
using Mail.Host.Mail;
using Mail.Host.Storage;
using MimeKit;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// The mail engine's behaviour, written once and run against every data backend: a backend's class inherits it and
/// opens a fresh, empty data store in <see cref="CreateDataStoreAsync"/>.
/// </summary>
public abstract partial class MailEngineConformance : IAsyncLifetime
{
    private IDataStore? data;
    private CountingBlobStore? blobs;
    private MailEngine? engine;

    /// <summary>The clock the engine measures retention with.</summary>
    internal ManualClock Clock { get; } = new();

    /// <summary>The data store of the current test.</summary>
    protected IDataStore Data => data ?? throw new InvalidOperationException("InitializeAsync opens the store.");

    /// <summary>The blob store of the current test, counting puts and deletes.</summary>
    internal CountingBlobStore Blobs => blobs ?? throw new InvalidOperationException("InitializeAsync opens the store.");

    /// <summary>The engine of the current test.</summary>
    internal MailEngine Engine => engine ?? throw new InvalidOperationException("InitializeAsync opens the store.");

    /// <summary>Opens a new, empty data store; called once per test.</summary>
    /// <returns>The store.</returns>
    protected abstract ValueTask<IDataStore> CreateDataStoreAsync();

    /// <summary>Opens the blob store for a test; by default blobs are kept in the data store itself.</summary>
    /// <param name="dataStore">The test's data store.</param>
    /// <returns>The blob store.</returns>
    protected virtual ValueTask<IBlobStore> CreateBlobStoreAsync(IDataStore dataStore) => ValueTask.FromResult<IBlobStore>(new DataStoreBlobStore(dataStore));

    /// <summary>Closes what <see cref="CreateDataStoreAsync"/> opened.</summary>
    /// <returns>A task that completes when the stores are closed.</returns>
    protected virtual ValueTask DisposeStoresAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        data = await CreateDataStoreAsync();
        blobs = new CountingBlobStore(await CreateBlobStoreAsync(data));
        engine = NewEngine();
    }

    /// <inheritdoc />
    public async Task DisposeAsync() => await DisposeStoresAsync();

    /// <summary>The first use of an account creates INBOX, Drafts, Sent, Trash, Junk and Archive with their roles.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task First_use_creates_the_six_special_use_mailboxes()
    {
        var mailboxes = await Engine.OpenAccount(1).GetMailboxesAsync();

        Assert.Equal(6, mailboxes.Count);
        var roles = mailboxes.ToDictionary(m => m.Role, m => m.Name);
        Assert.Equal("INBOX", roles[MailboxRole.Inbox]);
        Assert.Equal("Drafts", roles[MailboxRole.Drafts]);
        Assert.Equal("Sent", roles[MailboxRole.Sent]);
        Assert.Equal("Trash", roles[MailboxRole.Trash]);
        Assert.Equal("Junk", roles[MailboxRole.Junk]);
        Assert.Equal("Archive", roles[MailboxRole.Archive]);
        Assert.All(mailboxes, m =>
        {
            Assert.True(m.IsSubscribed);
            Assert.Equal(1u, m.UidNext);
            Assert.NotEqual(0u, m.UidValidity);
            Assert.True(m.HighestModSeq > 0);
            Assert.Equal(0, m.TotalMessages);
        });
        Assert.Equal(6, mailboxes.Select(m => m.Id).Distinct().Count());

        // A second use finds them, it does not add more.
        Assert.Equal(6, (await Engine.OpenAccount(1).GetMailboxesAsync()).Count);
    }

    /// <summary>
    /// One delivery to three accounts stores the message once and references it three times: in the blob store, or,
    /// for a small message with <see cref="MailEngineOptions.InlineMessageBytes"/> on, in the data store only.
    /// </summary>
    /// <param name="inline">Whether small messages are kept in the data store.</param>
    /// <returns>A task that completes with the test.</returns>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Delivering_to_three_accounts_stores_one_blob_referenced_three_times(bool inline)
    {
        var engine = NewEngine(InlineOrNot(inline));
        foreach (var id in new ulong[] { 1, 2, 3 })
        {
            await engine.OpenAccount(id).SetQuotaAsync(MailQuota.Unlimited);
        }

        var raw = MailTestMessages.Simple("To three");
        var results = await engine.DeliverAsync(new MemoryStream(raw), [1, 2, 3, 2]);

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        Assert.Equal(new ulong[] { 1, 2, 3 }, results.Select(r => r.AccountId));
        Assert.Equal(inline ? 0 : 1, Blobs.Puts);
        Assert.Equal(inline, await Data.GetAsync(MailKeys.BlobInline, MailKeys.BlobKey(BlobHash.Compute(raw))) is not null);
        var hash = BlobHash.Compute(raw);
        Assert.Equal(3, Counter.Decode(await Data.GetAsync(MailKeys.BlobReference, MailKeys.BlobKey(hash))));
        Assert.Equal(0, await Data.ScanAsync(MailKeys.BlobPending, KeyRange.All()).CountAsync());

        foreach (var result in results)
        {
            var account = engine.OpenAccount(result.AccountId);
            var inbox = await InboxAsync(account);
            Assert.Equal(inbox.Id, result.MailboxId);
            Assert.Equal(1u, result.Uid);
            Assert.Equal(1, inbox.TotalMessages);
            Assert.Equal(1, inbox.UnseenMessages);
            Assert.Equal(raw.Length, inbox.Size);
            Assert.Equal(raw, await ReadAllAsync(account, result.EmailId));
            var email = Assert.Single(await account.GetEmailsAsync([result.EmailId]));
            Assert.Equal(hash.ToString(), email.BlobId);
        }

        // The same message again is still one blob, now referenced six times.
        await Engine.DeliverAsync(new MemoryStream(raw), [1, 2, 3]);
        Assert.Equal(6, Counter.Decode(await Data.GetAsync(MailKeys.BlobReference, MailKeys.BlobKey(hash))));
    }

    /// <summary>An account never used is reported unknown; the other recipients still get the message.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Delivery_to_an_unknown_account_reports_it_and_stores_nothing_for_it()
    {
        await Engine.OpenAccount(1).SetQuotaAsync(MailQuota.Unlimited);

        var results = await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple("Hi")), [1, 99]);

        Assert.Equal(DeliveryStatus.Delivered, results[0].Status);
        Assert.Equal(DeliveryStatus.AccountUnknown, results[1].Status);
        Assert.Null(await Data.GetAsync(MailKeys.Head, MailKeys.Account(99)));
    }

    /// <summary>UIDs grow strictly, and an expunged UID is never given again, even for the highest one.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Uids_increase_strictly_and_are_never_reused_after_expunge()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var uids = new List<uint>();
        for (var i = 0; i < 5; i++)
        {
            uids.Add((await AppendAsync(account, inbox.Id, $"m{i}")).Uid);
        }

        Assert.Equal(new uint[] { 1, 2, 3, 4, 5 }, uids);
        await account.SetKeywordsAsync(inbox.Id, [4, 5], KeywordOperation.Add, [MailKeywords.Deleted]);
        Assert.Equal(new uint[] { 4, 5 }, await account.ExpungeAsync(inbox.Id));

        var next = await AppendAsync(account, inbox.Id, "after");
        Assert.Equal(6u, next.Uid);
        Assert.Equal(7u, (await account.GetMailboxAsync(inbox.Id))!.UidNext);
        Assert.Equal(new uint[] { 1, 2, 3, 6 }, await UidsAsync(account, inbox.Id));
    }

    /// <summary>UIDVALIDITY stays as long as the mailbox does; a mailbox recreated under the same name gets another.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Uidvalidity_is_stable_and_differs_for_a_recreated_name()
    {
        var account = Engine.OpenAccount(1);
        var box = await account.CreateMailboxAsync("Projects");
        await AppendAsync(account, box.Id, "one");
        await account.SetKeywordsAsync(box.Id, [1], KeywordOperation.Add, [MailKeywords.Seen]);
        var renamed = await account.RenameMailboxAsync(box.Id, "Work");
        Assert.Equal(box.UidValidity, (await account.GetMailboxAsync(box.Id))!.UidValidity);
        Assert.Equal(box.UidValidity, renamed.UidValidity);

        var recreated = await account.CreateMailboxAsync("Projects");
        Assert.NotEqual(box.UidValidity, recreated.UidValidity);
        Assert.NotEqual(box.Id, recreated.Id);

        await account.DeleteMailboxAsync(recreated.Id, removeMessages: true);
        var third = await account.CreateMailboxAsync("Projects");
        Assert.NotEqual(recreated.UidValidity, third.UidValidity);
        Assert.True(third.UidValidity > recreated.UidValidity);
    }

    /// <summary>Totals, unseen counts, sizes and quota usage follow every kind of change.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Counts_and_sizes_follow_append_copy_move_expunge_and_keywords()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var archive = await account.FindMailboxAsync("Archive");
        Assert.NotNull(archive);
        var a = MailTestMessages.Simple("a", "aaaa");
        var b = MailTestMessages.Simple("b", "bbbbbbbbbb");
        await account.AppendAsync(inbox.Id, new MemoryStream(a));
        await account.AppendAsync(inbox.Id, new MemoryStream(b), [MailKeywords.Seen]);
        await AssertCountsAsync(account, inbox.Id, 2, 1, a.Length + b.Length);

        await account.SetKeywordsAsync(inbox.Id, [1], KeywordOperation.Add, [MailKeywords.Seen, "$forwarded"]);
        await AssertCountsAsync(account, inbox.Id, 2, 0, a.Length + b.Length);
        await account.SetKeywordsAsync(inbox.Id, [1, 2], KeywordOperation.Remove, [MailKeywords.Seen]);
        await AssertCountsAsync(account, inbox.Id, 2, 2, a.Length + b.Length);

        var copy = await account.CopyAsync(inbox.Id, [1, 2], archive.Id);
        Assert.True(copy.Succeeded);
        await AssertCountsAsync(account, archive.Id, 2, 2, a.Length + b.Length);

        // An email in two mailboxes counts once for the quota; its keywords show in both.
        var usage = await account.GetQuotaAsync();
        Assert.Equal(2, usage.Messages);
        Assert.Equal(a.Length + b.Length, usage.StorageBytes);
        await account.SetKeywordsAsync(archive.Id, [copy.DestinationUids[0]], KeywordOperation.Add, [MailKeywords.Seen]);
        await AssertCountsAsync(account, inbox.Id, 2, 1, a.Length + b.Length);
        await AssertCountsAsync(account, archive.Id, 2, 1, a.Length + b.Length);

        var trash = await account.FindMailboxAsync("Trash");
        var move = await account.MoveAsync(inbox.Id, [2], trash!.Id);
        Assert.Equal(new uint[] { 2 }, move.SourceUids);
        await AssertCountsAsync(account, inbox.Id, 1, 0, a.Length);
        await AssertCountsAsync(account, trash.Id, 1, 1, b.Length);

        await account.SetKeywordsAsync(trash.Id, [1], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.ExpungeAsync(trash.Id);
        await AssertCountsAsync(account, trash.Id, 0, 0, 0);

        // b is still in Archive, so the email stays.
        usage = await account.GetQuotaAsync();
        Assert.Equal(2, usage.Messages);

        await account.SetKeywordsAsync(archive.Id, [1, 2], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.SetKeywordsAsync(inbox.Id, [1], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.ExpungeAsync(archive.Id);
        await account.ExpungeAsync(inbox.Id);
        usage = await account.GetQuotaAsync();
        Assert.Equal(0, usage.Messages);
        Assert.Equal(0, usage.StorageBytes);
        await AssertCountsAsync(account, archive.Id, 0, 0, 0);
        await AssertCountsAsync(account, inbox.Id, 0, 0, 0);
    }

    /// <summary>
    /// RemoveFromMailboxAsync (JMAP mailboxIds) removes a message whatever its keywords; the email stays while another
    /// mailbox holds it and is destroyed with its last place.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Remove_from_mailbox_needs_no_deleted_flag_and_destroys_the_email_with_its_last_place()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var archive = (await account.FindMailboxAsync("Archive"))!;
        var a = MailTestMessages.Simple("a", "aaaa");
        var appended = await account.AppendAsync(inbox.Id, new MemoryStream(a), [MailKeywords.Seen]);
        var copy = await account.CopyAsync(inbox.Id, [appended.Uid], archive.Id);
        Assert.Equal(new uint[] { appended.Uid }, await account.RemoveFromMailboxAsync(inbox.Id, [appended.Uid, 999]));
        await AssertCountsAsync(account, inbox.Id, 0, 0, 0);
        var email = Assert.Single(await account.GetEmailsAsync([appended.EmailId]));
        Assert.Equal(archive.Id, Assert.Single(email.Mailboxes).MailboxId);
        Assert.Equal([MailKeywords.Seen], email.Keywords);
        await account.RemoveFromMailboxAsync(archive.Id, [copy.DestinationUids[0]]);
        Assert.Empty(await account.GetEmailsAsync([appended.EmailId]));
        Assert.Equal(0, (await account.GetQuotaAsync()).Messages);
    }

    /// <summary>Every change raises MODSEQ; CHANGEDSINCE returns exactly the messages changed after a point.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Modseq_increases_on_every_change_and_changed_since_returns_exactly_the_changed_uids()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var seen = new List<ulong> { inbox.HighestModSeq };
        for (var i = 0; i < 6; i++)
        {
            var appended = await AppendAsync(account, inbox.Id, $"m{i}");
            seen.Add(appended.ModSeq);
        }

        var mark = (await account.GetMailboxAsync(inbox.Id))!.HighestModSeq;
        Assert.Equal(seen[^1], mark);

        var flagged = await account.SetKeywordsAsync(inbox.Id, [2, 5], KeywordOperation.Add, [MailKeywords.Flagged]);
        seen.AddRange(flagged.Updated.Select(u => u.ModSeq));
        await AppendAsync(account, inbox.Id, "new");
        var now = (await account.GetMailboxAsync(inbox.Id))!.HighestModSeq;
        seen.Add(now);
        Assert.Equal(seen.OrderBy(s => s), seen);
        Assert.True(now > mark);

        var changed = await account.GetChangedMessagesAsync(inbox.Id, mark);
        Assert.Equal(new uint[] { 2, 5, 7 }, changed.Select(c => c.Uid));
        Assert.All(changed, c => Assert.True(c.ModSeq > mark));
        Assert.Contains(MailKeywords.Flagged, changed[0].Keywords);

        // A flag change that changes nothing does not count as a change.
        await account.SetKeywordsAsync(inbox.Id, [2], KeywordOperation.Add, [MailKeywords.Flagged]);
        Assert.Equal(now, (await account.GetMailboxAsync(inbox.Id))!.HighestModSeq);
        Assert.Empty(await account.GetChangedMessagesAsync(inbox.Id, now));

        // Listing in UID order shows the same mod-sequences.
        await foreach (var message in account.GetMessagesAsync(inbox.Id))
        {
            Assert.True(message.ModSeq <= now);
        }
    }

    /// <summary>Expunged UIDs are reported after the mod-sequence asked, for VANISHED.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Expunged_uids_since_a_modseq_are_reported()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        for (var i = 0; i < 6; i++)
        {
            await AppendAsync(account, inbox.Id, $"m{i}");
        }

        await account.SetKeywordsAsync(inbox.Id, [1, 2], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.ExpungeAsync(inbox.Id);
        var mark = (await account.GetMailboxAsync(inbox.Id))!.HighestModSeq;
        await account.SetKeywordsAsync(inbox.Id, [4, 6], KeywordOperation.Add, [MailKeywords.Deleted]);
        Assert.Equal(new uint[] { 4 }, await account.ExpungeAsync(inbox.Id, [3, 4]));
        Assert.Equal(new uint[] { 6 }, await account.ExpungeAsync(inbox.Id));

        var since = await account.GetExpungedAsync(inbox.Id, mark);
        Assert.Equal(new uint[] { 4, 6 }, since.Uids);
        Assert.True(since.IsComplete);
        Assert.Equal(new uint[] { 1, 2, 4, 6 }, (await account.GetExpungedAsync(inbox.Id, 0)).Uids);
        Assert.Equal(new uint[] { 3, 5 }, await UidsAsync(account, inbox.Id));
    }

    /// <summary>JMAP-style changes since a state list what was created, updated and destroyed, each id once.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Changes_since_a_state_list_created_updated_and_destroyed()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var kept = await AppendAsync(account, inbox.Id, "kept");
        var doomed = await AppendAsync(account, inbox.Id, "doomed");
        var state = await account.GetStateAsync();

        var fresh = await AppendAsync(account, inbox.Id, "fresh");
        await account.SetKeywordsAsync(inbox.Id, [kept.Uid, fresh.Uid], KeywordOperation.Add, [MailKeywords.Seen]);
        await account.SetKeywordsAsync(inbox.Id, [doomed.Uid], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.ExpungeAsync(inbox.Id);
        var transient = await AppendAsync(account, inbox.Id, "transient");
        await account.SetKeywordsAsync(inbox.Id, [transient.Uid], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.ExpungeAsync(inbox.Id, [transient.Uid]);
        var folder = await account.CreateMailboxAsync("Lists");

        var changes = await account.GetChangesAsync(state);
        Assert.False(changes.CannotCalculateChanges);
        Assert.False(changes.HasMoreChanges);
        Assert.Equal(state, changes.OldState);
        Assert.Equal(await account.GetStateAsync(), changes.NewState);
        Assert.Equal(new[] { fresh.EmailId }, changes.CreatedEmails);
        Assert.Equal(new[] { kept.EmailId }, changes.UpdatedEmails);
        Assert.Equal(new[] { doomed.EmailId }, changes.DestroyedEmails);
        Assert.Equal(new[] { folder.Id }, changes.CreatedMailboxes);
        Assert.Equal(new[] { inbox.Id }, changes.UpdatedMailboxes);
        Assert.True(changes.MailboxCountersOnly);
        Assert.Empty(changes.DestroyedMailboxes);

        // Nothing since the new state.
        var none = await account.GetChangesAsync(changes.NewState);
        Assert.Empty(none.CreatedEmails);
        Assert.Empty(none.UpdatedEmails);
        Assert.Empty(none.DestroyedEmails);
        Assert.Equal(changes.NewState, none.NewState);

        // Paging: at most two ids per answer, following NewState until done, gives every change.
        var created = new List<ulong>();
        var cursor = state;
        for (var round = 0; round < 20; round++)
        {
            var page = await account.GetChangesAsync(cursor, maxChanges: 2);
            created.AddRange(page.CreatedEmails);
            cursor = page.NewState;
            if (!page.HasMoreChanges)
            {
                break;
            }
        }

        Assert.Contains(fresh.EmailId, created);
        Assert.Equal(await account.GetStateAsync(), cursor);
    }

    /// <summary>A state older than the retention age, purged or not, gives cannotCalculateChanges; so does garbage.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Changes_past_retention_cannot_be_calculated()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var old = await account.GetStateAsync();
        await AppendAsync(account, inbox.Id, "one");
        var oldModSeq = (await account.GetMailboxAsync(inbox.Id))!.HighestModSeq;
        await account.SetKeywordsAsync(inbox.Id, [1], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.ExpungeAsync(inbox.Id);

        Clock.Advance(TimeSpan.FromDays(31));
        var recent = await account.GetStateAsync();
        await AppendAsync(account, inbox.Id, "two");

        var tooOld = await account.GetChangesAsync(old);
        Assert.True(tooOld.CannotCalculateChanges);
        Assert.Empty(tooOld.CreatedEmails);
        Assert.False((await account.GetChangesAsync(recent)).CannotCalculateChanges);

        var collected = await Engine.CollectGarbageAsync();
        Assert.True(collected.ChangesPurged > 0);
        Assert.True((await account.GetChangesAsync(old)).CannotCalculateChanges);
        var fine = await account.GetChangesAsync(recent);
        Assert.False(fine.CannotCalculateChanges);
        Assert.Single(fine.CreatedEmails);
        Assert.False((await account.GetExpungedAsync(inbox.Id, oldModSeq - 1)).IsComplete);

        Assert.True((await account.GetChangesAsync("not a state")).CannotCalculateChanges);
        Assert.True((await account.GetChangesAsync("999999")).CannotCalculateChanges);
    }

    /// <summary>Over the byte quota, an append and a delivery are refused with a distinct result and store nothing.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Quota_exceeded_by_bytes_gives_a_distinct_result_and_stores_nothing()
    {
        var account = Engine.OpenAccount(1);
        var small = MailTestMessages.Simple("small");
        var large = MailTestMessages.Simple("large", new string('x', 5000));
        await account.SetQuotaAsync(new MailQuota(small.Length + 100, null));
        var inbox = await InboxAsync(account);
        Assert.True((await account.AppendAsync(inbox.Id, new MemoryStream(small))).Succeeded);
        var state = await account.GetStateAsync();

        var refused = await account.AppendAsync(inbox.Id, new MemoryStream(large));
        Assert.False(refused.Succeeded);
        Assert.Equal(QuotaResource.Storage, refused.ExceededQuota);
        var delivered = await Engine.DeliverAsync(new MemoryStream(large), [1]);
        Assert.Equal(DeliveryStatus.OverQuota, delivered[0].Status);
        Assert.Equal(QuotaResource.Storage, delivered[0].ExceededQuota);

        Assert.Equal(state, await account.GetStateAsync());
        await AssertCountsAsync(account, inbox.Id, 1, 1, small.Length);
        var usage = await account.GetQuotaAsync();
        Assert.Equal(small.Length, usage.StorageBytes);
        Assert.Equal(small.Length + 100, usage.Limits.StorageBytes);

        // The refused blob has no reference left, so collection removes it.
        var hash = BlobHash.Compute(large);
        Assert.Equal(0, Counter.Decode(await Data.GetAsync(MailKeys.BlobReference, MailKeys.BlobKey(hash))));
        await Engine.CollectGarbageAsync();
        Assert.False(await Blobs.ExistsAsync(hash));
    }

    /// <summary>Over the message-count quota, an append, a delivery and a copy that needs a new email are refused.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Quota_exceeded_by_count_gives_a_distinct_result_and_stores_nothing()
    {
        var account = Engine.OpenAccount(1);
        await account.SetQuotaAsync(new MailQuota(null, 2));
        var inbox = await InboxAsync(account);
        await AppendAsync(account, inbox.Id, "one");
        await AppendAsync(account, inbox.Id, "two");

        var refused = await account.AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple("three")));
        Assert.Equal(QuotaResource.Messages, refused.ExceededQuota);
        Assert.Equal(DeliveryStatus.OverQuota, (await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple("four")), [1]))[0].Status);

        // Copying to another mailbox costs nothing; copying into the same mailbox needs a new email.
        var archive = await account.FindMailboxAsync("Archive");
        Assert.True((await account.CopyAsync(inbox.Id, [1], archive!.Id)).Succeeded);
        var same = await account.CopyAsync(inbox.Id, [1], inbox.Id);
        Assert.Equal(QuotaResource.Messages, same.ExceededQuota);
        Assert.Empty(same.DestinationUids);
        await AssertCountsAsync(account, inbox.Id, 2, 2, -1);
        Assert.Equal(2, (await account.GetQuotaAsync()).Messages);
    }

    /// <summary>Rename keeps the messages, UIDs and UIDVALIDITY, renames children and creates missing parents.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Rename_keeps_messages_and_renames_children()
    {
        var account = Engine.OpenAccount(1);
        var parent = await account.CreateMailboxAsync("Clients/Acme");
        var child = await account.CreateMailboxAsync("Clients/Acme/Invoices");
        await AppendAsync(account, parent.Id, "p1");
        await AppendAsync(account, child.Id, "c1");
        await AppendAsync(account, child.Id, "c2");
        Assert.NotNull(parent.ParentId);

        var renamed = await account.RenameMailboxAsync(parent.Id, "Archive/2024/Acme");
        Assert.Equal("Archive/2024/Acme", renamed.Name);
        Assert.Equal(parent.Id, renamed.Id);
        Assert.Equal(parent.UidValidity, renamed.UidValidity);
        Assert.Equal(1, renamed.TotalMessages);
        var movedChild = await account.GetMailboxAsync(child.Id);
        Assert.Equal("Archive/2024/Acme/Invoices", movedChild!.Name);
        Assert.Equal(new uint[] { 1, 2 }, await UidsAsync(account, child.Id));
        Assert.Null(await account.FindMailboxAsync("Clients/Acme"));
        Assert.Null(await account.FindMailboxAsync("Clients/Acme/Invoices"));
        Assert.Equal(child.Id, (await account.FindMailboxAsync("Archive/2024/Acme/Invoices"))!.Id);
        var year = await account.FindMailboxAsync("Archive/2024");
        Assert.NotNull(year);
        Assert.Equal(year.Id, renamed.ParentId);
        Assert.NotNull(await account.FindMailboxAsync("Clients"));

        var taken = await Assert.ThrowsAsync<MailException>(async () => await account.RenameMailboxAsync(child.Id, "Clients"));
        Assert.Equal(MailErrorCode.MailboxAlreadyExists, taken.Code);
    }

    /// <summary>Renaming INBOX moves its messages to a new mailbox and leaves INBOX empty.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Renaming_inbox_moves_its_messages_and_leaves_it_empty()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        await AppendAsync(account, inbox.Id, "one");
        await AppendAsync(account, inbox.Id, "two");

        var old = await account.RenameMailboxAsync(inbox.Id, "Old Inbox");
        Assert.NotEqual(inbox.Id, old.Id);
        Assert.Equal(2, old.TotalMessages);
        var after = await account.GetMailboxAsync(inbox.Id);
        Assert.Equal("INBOX", after!.Name);
        Assert.Equal(0, after.TotalMessages);
        Assert.Equal(inbox.UidValidity, after.UidValidity);
        Assert.Equal(3u, after.UidNext);
    }

    /// <summary>Deleting: with messages when asked, refused without; INBOX and parents cannot go.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Delete_mailbox_removes_it_and_its_only_copies()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var box = await account.CreateMailboxAsync("Temp");
        await AppendAsync(account, box.Id, "only here");
        await AppendAsync(account, box.Id, "also in inbox");
        await account.CopyAsync(box.Id, [2], inbox.Id);

        var notEmpty = await Assert.ThrowsAsync<MailException>(async () => await account.DeleteMailboxAsync(box.Id, removeMessages: false));
        Assert.Equal(MailErrorCode.MailboxNotEmpty, notEmpty.Code);
        var inboxDelete = await Assert.ThrowsAsync<MailException>(async () => await account.DeleteMailboxAsync(inbox.Id, removeMessages: true));
        Assert.Equal(MailErrorCode.InboxRestricted, inboxDelete.Code);
        var parent = await account.CreateMailboxAsync("Parent/Child");
        var hasChildren = await Assert.ThrowsAsync<MailException>(async () => await account.DeleteMailboxAsync(parent.ParentId!.Value, removeMessages: true));
        Assert.Equal(MailErrorCode.MailboxHasChildren, hasChildren.Code);

        var state = await account.GetStateAsync();
        await account.DeleteMailboxAsync(box.Id, removeMessages: true);
        Assert.Null(await account.GetMailboxAsync(box.Id));
        Assert.Null(await account.FindMailboxAsync("Temp"));
        var missing = await Assert.ThrowsAsync<MailException>(async () => await account.GetMessagesAsync(box.Id).ToListAsync());
        Assert.Equal(MailErrorCode.MailboxNotFound, missing.Code);

        var usage = await account.GetQuotaAsync();
        Assert.Equal(1, usage.Messages);
        await AssertCountsAsync(account, inbox.Id, 1, 1, -1);
        var changes = await account.GetChangesAsync(state);
        Assert.Equal(new[] { box.Id }, changes.DestroyedMailboxes);
        Assert.Single(changes.DestroyedEmails);
        Assert.Single(changes.UpdatedEmails);

        var empty = await account.CreateMailboxAsync("Empty");
        await account.DeleteMailboxAsync(empty.Id, removeMessages: false);
        Assert.Null(await account.FindMailboxAsync("Empty"));
    }

    /// <summary>Copy maps source UIDs to new destination UIDs without copying the blob; move also expunges the source.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Copy_and_move_map_uids_and_share_the_blob()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var target = await account.CreateMailboxAsync("Target");
        var other = await account.CreateMailboxAsync("Other");
        for (var i = 0; i < 4; i++)
        {
            await AppendAsync(account, inbox.Id, $"m{i}");
        }

        await AppendAsync(account, target.Id, "already there");
        var puts = Blobs.Puts;
        await account.SetKeywordsAsync(inbox.Id, [2], KeywordOperation.Add, ["$important"]);

        var copy = await account.CopyAsync(inbox.Id, [4, 2, 99], target.Id);
        Assert.Equal(new uint[] { 2, 4 }, copy.SourceUids);
        Assert.Equal(new uint[] { 2, 3 }, copy.DestinationUids);
        Assert.Equal(target.UidValidity, copy.UidValidity);
        Assert.Equal(puts, Blobs.Puts);
        var copied = await account.GetMessagesAsync(target.Id).ToListAsync();
        Assert.Contains("$important", copied.Single(m => m.Uid == 2).Keywords);
        var inboxTwo = await account.GetMessagesAsync(inbox.Id, 2, 2).SingleAsync();
        Assert.Equal(inboxTwo.EmailId, copied.Single(m => m.Uid == 2).EmailId);
        var email = Assert.Single(await account.GetEmailsAsync([inboxTwo.EmailId]));
        Assert.Equal(2, email.Mailboxes.Count);

        var move = await account.MoveAsync(inbox.Id, [1, 3], other.Id);
        Assert.Equal(new uint[] { 1, 3 }, move.SourceUids);
        Assert.Equal(new uint[] { 1, 2 }, move.DestinationUids);
        Assert.Equal(new uint[] { 2, 4 }, await UidsAsync(account, inbox.Id));
        Assert.Equal(new uint[] { 1, 3 }, (await account.GetExpungedAsync(inbox.Id, 0)).Uids);

        // A copy into the mailbox that already holds the email makes a second email with the same blob.
        var again = await account.CopyAsync(inbox.Id, [2], target.Id);
        Assert.Equal(new uint[] { 4 }, again.DestinationUids);
        var twin = await account.GetMessagesAsync(target.Id, 4, 4).SingleAsync();
        Assert.NotEqual(inboxTwo.EmailId, twin.EmailId);
        var twinEmail = Assert.Single(await account.GetEmailsAsync([twin.EmailId]));
        Assert.Equal(email.BlobId, twinEmail.BlobId);
        Assert.Equal(email.ThreadId, twinEmail.ThreadId);
        Assert.Equal(puts, Blobs.Puts);
    }

    /// <summary>UNCHANGEDSINCE leaves the messages modified after it alone and reports them.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Unchangedsince_reports_the_messages_modified_after_it()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        for (var i = 0; i < 4; i++)
        {
            await AppendAsync(account, inbox.Id, $"m{i}");
        }

        var mark = (await account.GetMailboxAsync(inbox.Id))!.HighestModSeq;
        await account.SetKeywordsAsync(inbox.Id, [2, 3], KeywordOperation.Add, [MailKeywords.Answered]);

        var result = await account.SetKeywordsAsync(inbox.Id, [1, 2, 3, 4], KeywordOperation.Replace, [MailKeywords.Seen], unchangedSince: mark);
        Assert.Equal(new uint[] { 2, 3 }, result.Modified);
        Assert.Equal(new uint[] { 1, 4 }, result.Updated.Select(u => u.Uid));
        var messages = await account.GetMessagesAsync(inbox.Id).ToListAsync();
        Assert.Equal([MailKeywords.Seen], messages[0].Keywords);
        Assert.Equal([MailKeywords.Answered], messages[1].Keywords);
        Assert.Equal([MailKeywords.Seen], messages[3].Keywords);

        var invalid = await Assert.ThrowsAsync<MailException>(async () => await account.SetKeywordsAsync(inbox.Id, [1], KeywordOperation.Add, ["bad keyword"]));
        Assert.Equal(MailErrorCode.InvalidKeyword, invalid.Code);
    }

    /// <summary>Eight tasks appending at once get distinct, consecutive UIDs and exact counts.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Concurrent_appends_from_eight_tasks_get_distinct_consecutive_uids()
    {
        const int PerTask = 20;
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);

        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var uids = new List<uint>();
            for (var i = 0; i < PerTask; i++)
            {
                uids.Add((await account.AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple($"t{t} m{i}")))).Uid);
            }

            return uids;
        }));
        var all = (await Task.WhenAll(tasks)).SelectMany(u => u).Order().ToList();

        Assert.Equal(Enumerable.Range(1, 8 * PerTask).Select(i => (uint)i), all);
        var after = await account.GetMailboxAsync(inbox.Id);
        Assert.Equal(8 * PerTask, after!.TotalMessages);
        Assert.Equal((uint)(8 * PerTask) + 1, after.UidNext);
        Assert.Equal(8 * PerTask, (await account.GetQuotaAsync()).Messages);
    }

    /// <summary>Two engines over one store, as two processes would be, still never give a UID twice.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Two_engines_sharing_a_store_never_give_a_uid_twice()
    {
        const int PerTask = 10;
        var second = NewEngine(new MailEngineOptions { MaxCommitAttempts = 200 });
        var first = NewEngine(new MailEngineOptions { MaxCommitAttempts = 200 });
        var inbox = await InboxAsync(first.OpenAccount(7));

        var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            var account = (t % 2 == 0 ? first : second).OpenAccount(7);
            var uids = new List<uint>();
            for (var i = 0; i < PerTask; i++)
            {
                uids.Add((await account.AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple($"t{t} m{i}")))).Uid);
            }

            return uids;
        }));
        var all = (await Task.WhenAll(tasks)).SelectMany(u => u).Order().ToList();

        Assert.Equal(Enumerable.Range(1, 4 * PerTask).Select(i => (uint)i), all);
        Assert.Equal(4 * PerTask, (await first.OpenAccount(7).GetMailboxAsync(inbox.Id))!.TotalMessages);
    }

    /// <summary>The recorded offsets of BODY[1] and BODY[2] read exactly the bytes MimeKit reports, through ranged reads.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Body_structure_offsets_read_the_bytes_mimekit_reports()
    {
        var raw = MailTestMessages.Multipart();
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var appended = await account.AppendAsync(inbox.Id, new MemoryStream(raw));
        var email = Assert.Single(await account.GetEmailsAsync([appended.EmailId]));
        var body = email.Metadata.Body;

        var expected = new List<(long Begin, long HeadersEnd, long End)>();
        var parser = new MimeParser(new MemoryStream(raw), MimeFormat.Entity, persistent: true);
        var ends = new Dictionary<MimeEntity, (long, long, long)>(ReferenceEqualityComparer.Instance);
        parser.MimeEntityEnd += (_, e) => ends[e.Entity] = (e.BeginOffset, e.HeadersEndOffset, e.EndOffset);
        var message = await parser.ParseMessageAsync();
        var multipart = Assert.IsType<Multipart>(message.Body);

        Assert.Equal("multipart", body.MediaType);
        Assert.Equal("mixed", body.MediaSubtype);
        Assert.Equal(3, body.Children.Count);
        for (var i = 0; i < 3; i++)
        {
            var part = body.Children[i];
            var (begin, headersEnd, end) = ends[multipart[i]];
            Assert.Equal((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), part.PartId);
            Assert.Equal(begin, part.HeaderOffset);
            Assert.Equal(headersEnd, part.BodyOffset);
            Assert.Equal(end, part.EndOffset);
            var section = await account.ReadMessageAsync(email.Id, part.BodyOffset, (int)part.BodySize);
            Assert.Equal(raw.AsSpan((int)headersEnd, (int)(end - headersEnd)).ToArray(), section);
        }

        Assert.Equal("First line of the text.\r\n   Second    line.", Encoding.ASCII.GetString((await account.ReadMessageAsync(email.Id, body.Children[0].BodyOffset, (int)body.Children[0].BodySize))!));
        Assert.Equal(2, body.Children[0].Lines);
        var header = await account.ReadMessageAsync(email.Id, body.Children[1].HeaderOffset, (int)(body.Children[1].BodyOffset - body.Children[1].HeaderOffset));
        Assert.StartsWith("Content-Type: application/pdf", Encoding.ASCII.GetString(header!), StringComparison.Ordinal);

        // A partial fetch: BODY[2]<4.10>.
        var partial = await account.ReadMessageAsync(email.Id, body.Children[1].BodyOffset + 4, 10);
        Assert.Equal(raw.AsSpan((int)body.Children[1].BodyOffset + 4, 10).ToArray(), partial);

        var pdf = body.Children[1];
        Assert.Equal("application", pdf.MediaType);
        Assert.Equal("attachment", pdf.Disposition);
        Assert.Equal("report.pdf", pdf.FileName);
        Assert.Equal("base64", pdf.TransferEncoding);
        Assert.Contains(new KeyValuePair<string, string>("name", "report.pdf"), pdf.Parameters);

        var attached = body.Children[2];
        Assert.Equal("rfc822", attached.MediaSubtype);
        Assert.Equal("Inner message", attached.Envelope!.Subject);
        var inner = Assert.Single(attached.Children);
        Assert.Equal("3", inner.PartId);
        Assert.Equal(new[] { "3.1", "3.2" }, inner.Children.Select(c => c.PartId));
        Assert.Equal("inner text", Encoding.ASCII.GetString((await account.ReadMessageAsync(email.Id, inner.Children[0].BodyOffset, (int)inner.Children[0].BodySize))!));
        Assert.Equal(attached.BodyOffset, inner.HeaderOffset);
        Assert.Equal(0, body.HeaderOffset);
        Assert.Equal(raw.Length, body.EndOffset);

        var envelope = email.Metadata.Envelope;
        Assert.Equal("Quarterly résumé", envelope.Subject);
        Assert.Equal(new EmailAddress("Carol Q.", "carol@example.org"), Assert.Single(envelope.From));
        Assert.Equal(["dave@example.net", "erin@example.net"], envelope.To.Select(a => a.Address));
        Assert.Equal("Erin", envelope.To[1].Name);
        Assert.Equal("frank@example.net", Assert.Single(envelope.Cc).Address);
        Assert.Equal("replies@example.org", Assert.Single(envelope.ReplyTo).Address);
        Assert.Equal("multi-1@example.org", envelope.MessageId);
        Assert.Equal(["root@example.org", "mid@example.org"], envelope.References);
        Assert.Equal(new DateTimeOffset(2025, 4, 2, 8, 30, 0, TimeSpan.Zero), envelope.Date);
        Assert.Equal("First line of the text. Second line.", email.Metadata.Preview);
        Assert.True(email.Metadata.HasAttachment);
        Assert.Equal(raw.Length, email.Metadata.Size);
    }

    /// <summary>A reply with the same normalized subject that names a known Message-ID joins its thread.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Replies_join_the_thread_of_the_message_they_answer()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var first = await account.AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple("Lunch?", messageId: "a@x")));
        var reply = await account.AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple("Re: Lunch?", messageId: "b@x", inReplyTo: "a@x")));
        var unrelated = await account.AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple("Something else", messageId: "c@x", inReplyTo: "a@x")));
        var emails = await account.GetEmailsAsync([first.EmailId, reply.EmailId, unrelated.EmailId]);

        Assert.Equal(first.EmailId, emails[0].ThreadId);
        Assert.Equal(first.EmailId, emails[1].ThreadId);
        Assert.Equal(unrelated.EmailId, emails[2].ThreadId);
    }

    /// <summary>A message that arrives after a reply naming it joins the reply's thread (same normalized subject).</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_message_arriving_after_its_reply_joins_the_replys_thread()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var reply = await account.AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple("Re: Dinner", messageId: "r@x", inReplyTo: "o@x")));
        var original = await account.AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple("Dinner", messageId: "o@x")));
        var stranger = await account.AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple("Something else", messageId: "s@x", inReplyTo: "o@x")));
        var emails = await account.GetEmailsAsync([reply.EmailId, original.EmailId, stranger.EmailId]);

        Assert.Equal(reply.EmailId, emails[0].ThreadId);
        Assert.Equal(reply.EmailId, emails[1].ThreadId);
        Assert.Equal(stranger.EmailId, emails[2].ThreadId);
    }

    /// <summary>Malformed messages are stored byte for byte and described without an exception.</summary>
    /// <param name="sample">The name of the sample.</param>
    /// <returns>A task that completes with the test.</returns>
    [Theory]
    [InlineData("broken boundary")]
    [InlineData("8-bit garbage in headers")]
    [InlineData("missing header/body separator")]
    [InlineData("1,000 nested multiparts")]
    [InlineData("a 5 MB single line")]
    public async Task Malformed_messages_are_stored_byte_exact_and_parsed_leniently(string sample)
    {
        var raw = sample switch
        {
            "broken boundary" => MailTestMessages.BrokenBoundary(),
            "8-bit garbage in headers" => MailTestMessages.GarbageHeaders(),
            "missing header/body separator" => MailTestMessages.MissingSeparator(),
            "1,000 nested multiparts" => MailTestMessages.DeeplyNested(1000),
            _ => MailTestMessages.LongLine(5 * 1024 * 1024),
        };
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);

        var appended = await account.AppendAsync(inbox.Id, new MemoryStream(raw));
        Assert.True(appended.Succeeded);
        Assert.Equal(raw, await ReadAllAsync(account, appended.EmailId));
        var email = Assert.Single(await account.GetEmailsAsync([appended.EmailId]));
        Assert.Equal(raw.Length, email.Size);
        Assert.Equal(raw.Length, email.Metadata.Size);
        Assert.True(email.Metadata.Body.EndOffset <= raw.Length);
        Assert.True(email.Metadata.Preview.Length <= 256);

        if (sample == "1,000 nested multiparts")
        {
            var depth = 0;
            var part = email.Metadata.Body;
            while (part.Children.Count > 0)
            {
                part = part.Children[0];
                depth++;
            }

            Assert.True(depth >= 1000, $"only {depth} levels were described");
        }

        // The same bytes delivered again reuse the stored metadata.
        var metadataScan = await Data.ScanAsync(MailKeys.BlobMetadata, KeyRange.Prefix(BlobHash.Compute(raw).Bytes)).CountAsync();
        Assert.True(metadataScan > 0);
    }

    /// <summary>No call through one account reaches another account's mailboxes or emails.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Accounts_are_isolated()
    {
        var alice = Engine.OpenAccount(1);
        var bob = Engine.OpenAccount(2);
        var aliceInbox = await InboxAsync(alice);
        var bobInbox = await InboxAsync(bob);
        var secret = await AppendAsync(alice, aliceInbox.Id, "alice only");
        var box = await alice.CreateMailboxAsync("Private");

        Assert.Empty(await bob.GetEmailsAsync([secret.EmailId]));
        Assert.Null(await bob.OpenMessageAsync(secret.EmailId));
        Assert.Null(await bob.ReadMessageAsync(secret.EmailId, 0, 10));
        Assert.Null(await bob.GetMailboxAsync(box.Id));
        Assert.Null(await bob.FindMailboxAsync("Private"));
        Assert.Empty(await bob.GetMessagesAsync(bobInbox.Id).ToListAsync());
        await Assert.ThrowsAsync<MailException>(async () => await bob.CopyAsync(aliceInbox.Id == bobInbox.Id ? box.Id : aliceInbox.Id, [1], bobInbox.Id));
        var bobChanges = await bob.GetChangesAsync("0");
        Assert.DoesNotContain(secret.EmailId, bobChanges.CreatedEmails);
        Assert.Equal(0, (await bob.GetQuotaAsync()).Messages);
        Assert.Equal(1, (await alice.GetQuotaAsync()).Messages);
    }

    /// <summary>A blob goes only when its last email goes, through a collection pass.</summary>
    /// <returns>A task that completes with the test.</returns>
    /// <param name="inline">Whether small messages are kept in the data store.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Garbage_collection_deletes_a_blob_only_after_its_last_reference(bool inline)
    {
        var engine = NewEngine(InlineOrNot(inline));
        await engine.OpenAccount(1).SetQuotaAsync(MailQuota.Unlimited);
        await engine.OpenAccount(2).SetQuotaAsync(MailQuota.Unlimited);
        var raw = MailTestMessages.Simple("shared");
        var hash = BlobHash.Compute(raw);
        await engine.DeliverAsync(new MemoryStream(raw), [1, 2]);

        await ExpungeAllAsync(engine.OpenAccount(1));
        Assert.Equal(0, (await engine.CollectGarbageAsync()).BlobsDeleted);
        Assert.True(await StoredAsync(hash, inline));

        await ExpungeAllAsync(engine.OpenAccount(2));
        Assert.True(await StoredAsync(hash, inline));
        Assert.Equal(1, (await engine.CollectGarbageAsync()).BlobsDeleted);
        Assert.False(await StoredAsync(hash, inline));
        Assert.Null(await Data.GetAsync(MailKeys.BlobReference, MailKeys.BlobKey(hash)));
        Assert.Equal(0, await Data.ScanAsync(MailKeys.BlobMetadata, KeyRange.Prefix(hash.Bytes)).CountAsync());

        // Delivered again later, it is stored again.
        var again = await engine.DeliverAsync(new MemoryStream(raw), [1]);
        Assert.Equal(raw, await ReadAllAsync(engine.OpenAccount(1), again[0].EmailId));
        Assert.Equal(1, Counter.Decode(await Data.GetAsync(MailKeys.BlobReference, MailKeys.BlobKey(hash))));
        Assert.Equal(0, await Data.ScanAsync(MailKeys.BlobPending, KeyRange.All()).CountAsync());
    }

    /// <summary>Collections running while the same message is delivered and expunged again and again never take a blob an email holds.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Collection_racing_deliveries_of_the_same_message_never_loses_a_blob()
    {
        const int Rounds = 25;
        var account = Engine.OpenAccount(1);
        await account.SetQuotaAsync(MailQuota.Unlimited);
        var raw = MailTestMessages.Simple("race");
        using var done = new CancellationTokenSource();

        var collector = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                await Engine.CollectGarbageAsync();
                await Task.Delay(2);
            }
        });
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                var delivered = await Engine.DeliverAsync(new MemoryStream(raw), [1]);
                Assert.Equal(raw, await ReadAllAsync(account, delivered[0].EmailId));
                Assert.Equal(raw, (await account.ReadMessageAsync(delivered[0].EmailId, 0, raw.Length))!);
                await ExpungeAllAsync(account);

                // Every other round a collection surely finds the blob unreferenced, so the next delivery of the same
                // bytes must store it again while the background collector keeps running.
                if (round % 2 == 0)
                {
                    await Engine.CollectGarbageAsync();
                }
            }
        }
        finally
        {
            await done.CancelAsync();
            await collector;
        }

        Assert.True(Blobs.Deletes > 0, "no collection deleted the blob while the race ran");
        var last = await Engine.DeliverAsync(new MemoryStream(raw), [1]);
        await Engine.CollectGarbageAsync();
        Assert.Equal(raw, await ReadAllAsync(account, last[0].EmailId));
        var email = Assert.Single(await account.GetEmailsAsync([last[0].EmailId]));
        Assert.Equal("race", email.Metadata.Envelope.Subject);
    }

    /// <summary>A pending reference left by a process that stopped mid-delivery is dropped after its timeout.</summary>
    /// <returns>A task that completes with the test.</returns>
    /// <param name="inline">Whether small messages are kept in the data store.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_delivery_that_never_finished_leaves_no_orphan_blob(bool inline)
    {
        var engine = NewEngine(InlineOrNot(inline));
        var raw = MailTestMessages.Simple("orphan");
        var stored = await engine.StoreMessageAsync(new MemoryStream(raw), CancellationToken.None);
        Assert.True(await StoredAsync(stored.Hash, inline));

        // The process "stops" here: no email is recorded and the pending reference is never released.
        Assert.Equal(0, (await engine.CollectGarbageAsync()).BlobsDeleted);
        Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, (await engine.CollectGarbageAsync()).BlobsDeleted);
        Assert.False(await StoredAsync(stored.Hash, inline));
    }

    /// <summary>Names: INBOX in any case, a configurable separator, subscriptions, invalid names and roles.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Mailbox_names_subscriptions_and_roles()
    {
        var account = NewEngine(new MailEngineOptions { HierarchySeparator = '.' }).OpenAccount(1);
        var inbox = await account.FindMailboxAsync("inbox");
        Assert.Equal("INBOX", inbox!.Name);
        var child = await account.CreateMailboxAsync("iNbOx.Receipts.");
        Assert.Equal("INBOX.Receipts", child.Name);
        Assert.Equal(inbox.Id, child.ParentId);
        Assert.Null(await account.FindMailboxAsync("Receipts"));

        var lower = await account.CreateMailboxAsync("receipts");
        var upper = await account.CreateMailboxAsync("Receipts");
        Assert.NotEqual(lower.Id, upper.Id);

        Assert.Equal(MailErrorCode.InvalidMailboxName, (await Assert.ThrowsAsync<MailException>(async () => await account.CreateMailboxAsync("a..b"))).Code);
        Assert.Equal(MailErrorCode.InvalidMailboxName, (await Assert.ThrowsAsync<MailException>(async () => await account.CreateMailboxAsync(string.Empty))).Code);
        Assert.Equal(MailErrorCode.MailboxAlreadyExists, (await Assert.ThrowsAsync<MailException>(async () => await account.CreateMailboxAsync("INBOX"))).Code);
        Assert.Equal(MailErrorCode.RoleInUse, (await Assert.ThrowsAsync<MailException>(async () => await account.CreateMailboxAsync("Spam", MailboxRole.Junk))).Code);

        Assert.True(upper.IsSubscribed);
        await account.SetSubscribedAsync(upper.Id, false);
        Assert.False((await account.GetMailboxAsync(upper.Id))!.IsSubscribed);
        await account.SetSubscribedAsync(upper.Id, true);
        Assert.True((await account.GetMailboxAsync(upper.Id))!.IsSubscribed);
    }

    /// <summary>The IMAP flag mapping of the system keywords.</summary>
    [Fact]
    public void Imap_flags_map_to_keywords_and_back()
    {
        Assert.Equal(MailKeywords.Seen, MailKeywords.FromImap("\\Seen"));
        Assert.Equal(MailKeywords.Deleted, MailKeywords.FromImap("\\DELETED"));
        Assert.Equal("$forwarded", MailKeywords.FromImap("$Forwarded"));
        Assert.Equal("\\Answered", MailKeywords.ToImap(MailKeywords.Answered));
        Assert.Equal("\\Draft", MailKeywords.ToImap(MailKeywords.Draft));
        Assert.Equal("\\Flagged", MailKeywords.ToImap(MailKeywords.Flagged));
        Assert.Equal("nonjunk", MailKeywords.ToImap("nonjunk"));
        Assert.Throws<ArgumentException>(() => MailKeywords.FromImap("\\Recent"));
        Assert.False(MailKeywords.IsValid("two words"));
    }

    /// <summary>Words, phrases and prefixes are found in subject, plain and HTML bodies, addresses and attachment names, folded.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Full_text_finds_words_phrases_and_prefixes_in_every_field()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var budget = await AppendRawAsync(account, inbox.Id, MailTestMessages.Rich(
            "Quarterly budget review",
            "Jean Dupont <jean@exemple.fr>",
            "bob@example.com",
            cc: "Carol <carol@example.org>",
            text: "The budget meeting moves to Thursday afternoon.",
            attachmentName: "forecast-2025.xlsx"));
        var invoice = await AppendRawAsync(account, inbox.Id, MailTestMessages.Rich(
            "Your order",
            "Alice <alice@example.com>",
            "dave@example.net",
            html: "<html><head><style>p { color: red }</style></head><body><p>Please find the <b>invoice</b> enclosed.</p><script>var hidden = 'secretword';</script></body></html>"));
        var resume = await AppendRawAsync(account, inbox.Id, MailTestMessages.Rich(
            "Résumé",
            "Émile <emile@example.fr>",
            "bob@example.com",
            text: "Mon résumé est joint à ce message."));

        // Another account with the same words sees only its own.
        var other = Engine.OpenAccount(2);
        await AppendRawAsync(other, (await InboxAsync(other)).Id, MailTestMessages.Rich("Budget", "x@example.com", "y@example.com", text: "budget invoice résumé"));

        async Task<ulong[]> Find(MailTextField field, string text, TextMatchKind kind = TextMatchKind.Words)
            => [.. await account.QueryEmailsAsync(new MailFilter.Text(field, text, kind))];

        Assert.Equal([budget.EmailId], await Find(MailTextField.Subject, "budget"));
        Assert.Equal([budget.EmailId], await Find(MailTextField.Body, "budget"));
        Assert.Equal([budget.EmailId], await Find(MailTextField.Any, "BUDGET"));
        Assert.Equal([budget.EmailId], await Find(MailTextField.Body, "meeting moves", TextMatchKind.Phrase));
        Assert.Empty(await Find(MailTextField.Body, "moves meeting", TextMatchKind.Phrase));
        Assert.Equal([budget.EmailId], await Find(MailTextField.Body, "moves meeting"));
        Assert.Equal([budget.EmailId], await Find(MailTextField.Body, "thurs", TextMatchKind.Prefix));
        Assert.Equal([budget.EmailId], await Find(MailTextField.Body, "moves to thu", TextMatchKind.Prefix));
        Assert.Empty(await Find(MailTextField.Subject, "meeting"));

        // HTML bodies are indexed as the text they show: inline tags keep a phrase whole, scripts and styles are left out.
        Assert.Equal([invoice.EmailId], await Find(MailTextField.Body, "invoice"));
        Assert.Equal([invoice.EmailId], await Find(MailTextField.Body, "find the invoice enclosed", TextMatchKind.Phrase));
        Assert.Empty(await Find(MailTextField.Any, "secretword"));
        Assert.Empty(await Find(MailTextField.Any, "color"));

        Assert.Equal([budget.EmailId], await Find(MailTextField.From, "dupont"));
        Assert.Equal([budget.EmailId], await Find(MailTextField.From, "jean@exemple.fr", TextMatchKind.Phrase));
        Assert.Equal([invoice.EmailId], await Find(MailTextField.From, "ali", TextMatchKind.Prefix));
        Assert.Equal([budget.EmailId, resume.EmailId], await Find(MailTextField.To, "bob@example.com", TextMatchKind.Phrase));
        Assert.Equal([budget.EmailId], await Find(MailTextField.Cc, "carol"));
        Assert.Empty(await Find(MailTextField.Bcc, "carol"));
        Assert.Equal([budget.EmailId], await Find(MailTextField.AttachmentName, "forecast"));
        Assert.Equal([budget.EmailId], await Find(MailTextField.AttachmentName, "forecast-2025.xlsx", TextMatchKind.Phrase));
        Assert.Empty(await Find(MailTextField.Body, "forecast"));
        Assert.Empty(await Find(MailTextField.Body, "content"));

        // Case and diacritics are folded both ways.
        Assert.Equal([resume.EmailId], await Find(MailTextField.Subject, "resume"));
        Assert.Equal([resume.EmailId], await Find(MailTextField.Body, "RESUME EST JOINT", TextMatchKind.Phrase));
        Assert.Equal([resume.EmailId], await Find(MailTextField.From, "emile"));

        // The same conditions within a mailbox give UIDs.
        Assert.Equal([budget.Uid, resume.Uid], await account.SearchMailboxAsync(inbox.Id, new MailFilter.Text(MailTextField.To, "bob")));
        Assert.Equal([invoice.Uid], await account.SearchMailboxAsync(inbox.Id, new MailFilter.Text(MailTextField.Any, "invoice")));
        var archive = (await account.GetMailboxesAsync()).Single(m => m.Role == MailboxRole.Archive);
        Assert.Empty(await account.SearchMailboxAsync(archive.Id, new MailFilter.Text(MailTextField.Any, "invoice")));
        Assert.Empty(await account.SearchMailboxAsync(inbox.Id, new MailFilter.Text(MailTextField.Any, string.Empty)));
    }

    /// <summary>Without a full-text index, text conditions are refused with their own code; the others still work.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Text_conditions_need_a_full_text_index_and_uid_conditions_a_mailbox()
    {
        var plain = new MailEngine(Data, Blobs, null, Clock);
        var account = plain.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var appended = await AppendAsync(account, inbox.Id, "no index");

        var refused = await Assert.ThrowsAsync<MailException>(async () => await account.SearchMailboxAsync(inbox.Id, MailFilter.AllOf(MailFilter.All, new MailFilter.Text(MailTextField.Subject, "index"))));
        Assert.Equal(MailErrorCode.UnsupportedFilter, refused.Code);
        Assert.Equal([appended.Uid], await account.SearchMailboxAsync(inbox.Id, MailFilter.NotKeyword(MailKeywords.Seen)));
        Assert.Equal([appended.EmailId], await account.QueryEmailsAsync(null));

        // No marker is left for a catch-up pass when there is no index to catch up with.
        Assert.Equal(0, await Data.ScanAsync(MailKeys.FullTextPending, KeyRange.All()).CountAsync());

        var outside = await Assert.ThrowsAsync<MailException>(async () => await Engine.OpenAccount(1).QueryEmailsAsync(new MailFilter.Uids([new UidRange(1, 5)])));
        Assert.Equal(MailErrorCode.UnsupportedFilter, outside.Code);
        outside = await Assert.ThrowsAsync<MailException>(async () => await Engine.OpenAccount(1).QueryEmailsAsync(MailFilter.NoneOf(new MailFilter.ModSeqAtLeast(1))));
        Assert.Equal(MailErrorCode.UnsupportedFilter, outside.Code);
        var missing = await Assert.ThrowsAsync<MailException>(async () => await account.SearchMailboxAsync(999, null));
        Assert.Equal(MailErrorCode.MailboxNotFound, missing.Code);
    }

    /// <summary>Keyword, size, received and sent date conditions combine with and, or and not, and with text.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Filters_combine_keywords_sizes_and_dates_with_and_or_not()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var day1 = new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);
        var day2 = day1.AddDays(1);
        var day3 = day1.AddDays(2);

        // Sent dates written in the sender's zone: the 2nd at 23:30 in +02:00 is still the 2nd for SENTON.
        var a = await AppendRawAsync(account, inbox.Id, MailTestMessages.OfSize(600, "alpha report", "a@example.com", "me@example.com", date: "Sat, 01 Mar 2025 08:00:00 +0000"), [MailKeywords.Seen], day1);
        var b = await AppendRawAsync(account, inbox.Id, MailTestMessages.OfSize(1200, "beta report", "b@example.com", "me@example.com", date: "Sun, 02 Mar 2025 23:30:00 +0200"), [MailKeywords.Seen, MailKeywords.Flagged], day2);
        var c = await AppendRawAsync(account, inbox.Id, MailTestMessages.OfSize(2400, "gamma notes", "c@example.com", "me@example.com"), [MailKeywords.Flagged], day3);
        var d = await AppendRawAsync(account, inbox.Id, MailTestMessages.OfSize(800, "delta report", "d@example.com", "me@example.com", date: "Mon, 03 Mar 2025 10:00:00 +0000"), null, day3.AddHours(5));

        async Task<uint[]> Search(MailFilter filter) => [.. await account.SearchMailboxAsync(inbox.Id, filter)];

        Assert.Equal([a.Uid, b.Uid], await Search(new MailFilter.HasKeyword("$SEEN")));
        Assert.Equal([c.Uid, d.Uid], await Search(MailFilter.NotKeyword(MailKeywords.Seen)));
        Assert.Equal([b.Uid, d.Uid], await Search(new MailFilter.Size(800, 2400)));
        Assert.Equal([a.Uid, d.Uid], await Search(new MailFilter.Size(null, 1200)));
        Assert.Equal([c.Uid], await Search(new MailFilter.Size(1201, null)));

        // Received: [since, before); ON is a whole day of a zone.
        Assert.Equal([b.Uid], await Search(new MailFilter.Received(day2, day3)));
        Assert.Equal([c.Uid, d.Uid], await Search(new MailFilter.Received(day3, null)));
        Assert.Equal([c.Uid, d.Uid], await Search(MailFilter.ReceivedOn(new DateOnly(2025, 3, 3), TimeSpan.Zero)));
        Assert.Equal([c.Uid], await Search(MailFilter.ReceivedOn(new DateOnly(2025, 3, 3), TimeSpan.FromHours(10))));

        // Sent: to the instant, or by the header's own calendar day; no Date header matches no date condition.
        Assert.Equal([b.Uid, d.Uid], await Search(new MailFilter.Sent(new DateTimeOffset(2025, 3, 2, 12, 0, 0, TimeSpan.Zero), null)));
        Assert.Equal([b.Uid], await Search(MailFilter.SentOn(new DateOnly(2025, 3, 2))));
        Assert.Equal([a.Uid, b.Uid], await Search(new MailFilter.SentDay(null, new DateOnly(2025, 3, 2))));
        Assert.Equal([c.Uid], await Search(MailFilter.NoneOf(new MailFilter.SentDay(null, null))));

        Assert.Equal([b.Uid], await Search(MailFilter.AllOf(new MailFilter.HasKeyword(MailKeywords.Flagged), new MailFilter.HasKeyword(MailKeywords.Seen))));
        Assert.Equal([a.Uid, c.Uid], await Search(MailFilter.AnyOf(new MailFilter.Size(null, 700), new MailFilter.Size(2000, null))));
        Assert.Equal([b.Uid, d.Uid], await Search(MailFilter.NoneOf(MailFilter.AnyOf(new MailFilter.Size(null, 700), new MailFilter.Size(2000, null)))));
        Assert.Equal([d.Uid], await Search(MailFilter.AllOf(
            new MailFilter.Text(MailTextField.Subject, "report"),
            MailFilter.NotKeyword(MailKeywords.Flagged),
            MailFilter.NoneOf(new MailFilter.HasKeyword(MailKeywords.Seen)))));
        Assert.Equal([b.Uid, c.Uid], await Search(MailFilter.AnyOf(
            new MailFilter.Text(MailTextField.Subject, "gamma"),
            MailFilter.AllOf(new MailFilter.Text(MailTextField.Subject, "report"), new MailFilter.Received(day2, null), new MailFilter.HasKeyword(MailKeywords.Flagged)))));
        Assert.Equal([a.Uid, b.Uid, c.Uid, d.Uid], await Search(MailFilter.All));
        Assert.Empty(await Search(new MailFilter.Or([])));

        // The same filter over the account gives email ids.
        Assert.Equal([b.EmailId, d.EmailId], await account.QueryEmailsAsync(MailFilter.AllOf(new MailFilter.Text(MailTextField.Any, "report"), new MailFilter.Received(day2, null))));
    }

    /// <summary>Attachment, header, mailbox and email-id conditions.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Attachment_header_mailbox_and_id_conditions()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var work = await account.CreateMailboxAsync("Work");
        var withFile = await AppendRawAsync(account, inbox.Id, MailTestMessages.Rich("Slides", "a@example.com", "me@example.com", text: "attached", attachmentName: "deck.pdf", headers: ("X-Priority", "1 (Highest)")));
        var list = await AppendRawAsync(account, inbox.Id, MailTestMessages.Rich("Digest", "list@example.com", "me@example.com", text: "news", headers: ("List-Id", "Announcements <announce.example.com>")));
        var filed = await AppendRawAsync(account, work.Id, MailTestMessages.Rich("Minutes", "b@example.com", "me@example.com", text: "minutes"));
        await account.CopyAsync(inbox.Id, [list.Uid], work.Id);

        Assert.Equal([withFile.EmailId], await account.QueryEmailsAsync(new MailFilter.HasAttachment(true)));
        Assert.Equal([list.EmailId, filed.EmailId], await account.QueryEmailsAsync(new MailFilter.HasAttachment(false)));
        Assert.Equal([withFile.EmailId], await account.QueryEmailsAsync(new MailFilter.Header("x-priority")));
        Assert.Equal([withFile.EmailId], await account.QueryEmailsAsync(new MailFilter.Header("X-Priority", "highest")));
        Assert.Empty(await account.QueryEmailsAsync(new MailFilter.Header("X-Priority", "lowest")));
        Assert.Equal([list.EmailId], await account.QueryEmailsAsync(new MailFilter.Header("list-id", "ANNOUNCE.example")));
        Assert.Equal([list.EmailId], await account.QueryEmailsAsync(new MailFilter.Header("Subject", "dig")));
        Assert.Equal([list.Uid], await account.SearchMailboxAsync(inbox.Id, new MailFilter.Header("List-Id", string.Empty)));

        Assert.Equal([withFile.EmailId, list.EmailId], await account.QueryEmailsAsync(new MailFilter.InMailbox(inbox.Id)));
        Assert.Equal([list.EmailId, filed.EmailId], await account.QueryEmailsAsync(new MailFilter.InMailbox(work.Id)));
        Assert.Equal([list.EmailId], await account.QueryEmailsAsync(MailFilter.AllOf(new MailFilter.InMailbox(inbox.Id), new MailFilter.InMailbox(work.Id))));
        Assert.Equal([withFile.EmailId, list.EmailId], await account.QueryEmailsAsync(new MailFilter.InMailboxOtherThan([work.Id])));
        Assert.Equal([list.EmailId], await account.QueryEmailsAsync(MailFilter.AllOf(new MailFilter.InMailbox(work.Id), new MailFilter.InMailboxOtherThan([work.Id]))));
        Assert.Equal([withFile.EmailId, filed.EmailId], await account.QueryEmailsAsync(new MailFilter.EmailIds([filed.EmailId, withFile.EmailId, 9999])));
        Assert.Empty(await account.QueryEmailsAsync(MailFilter.AllOf(new MailFilter.InMailbox(work.Id), new MailFilter.EmailIds([withFile.EmailId]))));
    }

    /// <summary>A mailbox search by UID set and by MODSEQ, alone and combined.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Mailbox_search_by_uid_set_and_modseq()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        for (var i = 0; i < 6; i++)
        {
            await AppendAsync(account, inbox.Id, $"message {i}");
        }

        var before = (await account.GetMailboxAsync(inbox.Id))!.HighestModSeq;
        await account.SetKeywordsAsync(inbox.Id, [2, 5], KeywordOperation.Add, [MailKeywords.Flagged]);
        await account.SetKeywordsAsync(inbox.Id, [6], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.ExpungeAsync(inbox.Id);

        Assert.Equal([2u, 5u], await account.SearchMailboxAsync(inbox.Id, new MailFilter.ModSeqAtLeast(before + 1)));
        Assert.Equal([1u, 2u, 3u, 4u, 5u], await account.SearchMailboxAsync(inbox.Id, new MailFilter.ModSeqAtLeast(0)));
        Assert.Equal([2u, 3u, 4u], await account.SearchMailboxAsync(inbox.Id, new MailFilter.Uids([new UidRange(4, 2)])));
        Assert.Equal([1u, 3u, 5u], await account.SearchMailboxAsync(inbox.Id, new MailFilter.Uids([new UidRange(1, 1), new UidRange(3, 3), new UidRange(5, uint.MaxValue)])));
        Assert.Equal([3u, 4u], await account.SearchMailboxAsync(inbox.Id, MailFilter.AllOf(new MailFilter.Uids([new UidRange(2, 6)]), MailFilter.NotKeyword(MailKeywords.Flagged))));
        Assert.Equal([1u, 5u], await account.SearchMailboxAsync(inbox.Id, MailFilter.AnyOf(new MailFilter.Uids([new UidRange(1, 1)]), MailFilter.AllOf(new MailFilter.ModSeqAtLeast(before + 1), new MailFilter.Uids([new UidRange(4, 9)])))));
        Assert.Empty(await account.SearchMailboxAsync(inbox.Id, new MailFilter.Uids([new UidRange(6, 6)])));
    }

    /// <summary>
    /// Every sort key in both directions, ties kept in UID (or email id) order whatever the direction. Text keys compare
    /// in upper case (i;ascii-casemap); a field that starts with a group (<c>undisclosed-recipients:;</c>) sorts by the
    /// group's name, as IMAP shows it as the first address.
    /// </summary>
    /// <param name="key">The sort key.</param>
    /// <param name="ascending">The expected order ascending, as 1-based positions of the appended messages.</param>
    /// <param name="descending">The expected order descending.</param>
    /// <returns>A task that completes with the test.</returns>
    [Theory]
    [InlineData(MailSortKey.ReceivedAt, new[] { 2, 4, 3, 1 }, new[] { 1, 3, 2, 4 })]
    [InlineData(MailSortKey.SentAt, new[] { 3, 1, 2, 4 }, new[] { 4, 1, 2, 3 })]
    [InlineData(MailSortKey.Size, new[] { 2, 4, 1, 3 }, new[] { 1, 3, 4, 2 })]
    [InlineData(MailSortKey.Subject, new[] { 2, 3, 1, 4 }, new[] { 4, 1, 2, 3 })]
    [InlineData(MailSortKey.From, new[] { 1, 3, 4, 2 }, new[] { 2, 4, 3, 1 })]
    [InlineData(MailSortKey.DisplayFrom, new[] { 2, 3, 4, 1 }, new[] { 1, 4, 3, 2 })]
    [InlineData(MailSortKey.To, new[] { 2, 1, 4, 3 }, new[] { 3, 4, 1, 2 })]
    [InlineData(MailSortKey.DisplayTo, new[] { 1, 4, 3, 2 }, new[] { 2, 3, 4, 1 })]
    [InlineData(MailSortKey.Cc, new[] { 2, 3, 1, 4 }, new[] { 1, 4, 3, 2 })]
    [InlineData(MailSortKey.HasKeyword, new[] { 2, 4, 1, 3 }, new[] { 1, 3, 2, 4 })]
    public async Task Sort_by_each_key_in_both_directions_keeps_ties_stable(MailSortKey key, int[] ascending, int[] descending)
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var day1 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var samples = new[]
        {
            (Raw: MailTestMessages.OfSize(900, "Re: banana", "Zoe <alpha@example.com>", "mike@example.com", cc: "c@example.com", date: "Mon, 01 Jul 2024 10:00:00 +0000"), Date: day1.AddDays(2), Flagged: true),
            (Raw: MailTestMessages.OfSize(500, "apple", "adam <zulu@example.com>", "Zed <abe@example.com>", date: "Mon, 01 Jul 2024 10:00:00 +0000"), Date: day1, Flagged: false),
            (Raw: MailTestMessages.OfSize(900, "[list] Apple", "bob@example.com", "zack@example.com", cc: "a@example.com", date: "Sat, 01 Jun 2024 10:00:00 +0000"), Date: day1.AddDays(1), Flagged: true),
            (Raw: MailTestMessages.OfSize(700, "cherry", "undisclosed-recipients:;", "Nina <nina@example.com>", cc: "c@example.com"), Date: day1, Flagged: false),
        };
        var appended = new List<AppendResult>();
        foreach (var (raw, date, flagged) in samples)
        {
            appended.Add(await AppendRawAsync(account, inbox.Id, raw, flagged ? [MailKeywords.Flagged] : null, date));
        }

        var uids = appended.Select(a => a.Uid).ToArray();
        var ids = appended.Select(a => a.EmailId).ToArray();
        Assert.Equal(new uint[] { 1, 2, 3, 4 }, uids);

        foreach (var (descendingOrder, expected) in new[] { (false, ascending), (true, descending) })
        {
            var sort = new[] { new MailSort(key, descendingOrder, key == MailSortKey.HasKeyword ? "$Flagged" : null) };
            Assert.Equal(expected.Select(p => uids[p - 1]), await account.SearchMailboxAsync(inbox.Id, null, sort));
            Assert.Equal(expected.Select(p => ids[p - 1]), await account.QueryEmailsAsync(null, sort));
            Assert.Equal(expected.Select(p => ids[p - 1]), await account.QueryEmailsAsync(new MailFilter.InMailbox(inbox.Id), sort));
        }
    }

    /// <summary>Several sort criteria apply in turn; no sort means UID or email id order.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Sort_criteria_apply_in_turn()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var day1 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var first = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("one"), null, day1.AddDays(3));
        var second = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("two"), [MailKeywords.Flagged], day1.AddDays(2));
        var third = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("three"), null, day1.AddDays(1));
        var fourth = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("four"), [MailKeywords.Flagged], day1.AddDays(4));

        var flaggedFirstThenOldest = new[] { new MailSort(MailSortKey.HasKeyword, Descending: true, Keyword: MailKeywords.Flagged), new MailSort(MailSortKey.ReceivedAt) };
        Assert.Equal([second.Uid, fourth.Uid, third.Uid, first.Uid], await account.SearchMailboxAsync(inbox.Id, null, flaggedFirstThenOldest));
        Assert.Equal([first.Uid, second.Uid, third.Uid, fourth.Uid], await account.SearchMailboxAsync(inbox.Id, null));
        Assert.Equal([first.EmailId, second.EmailId, third.EmailId, fourth.EmailId], await account.QueryEmailsAsync(null, []));
        Assert.Equal([fourth.EmailId, first.EmailId, second.EmailId, third.EmailId], await account.QueryEmailsAsync(null, [new MailSort(MailSortKey.ReceivedAt, Descending: true)]));
    }

    /// <summary>With collapseThreads, only the first email of each thread in sort order is kept.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Collapse_threads_keeps_the_first_email_of_each_thread_in_sort_order()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var day1 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var root = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("Trip", messageId: "trip@x"), null, day1);
        var other = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("Other", messageId: "other@x"), null, day1.AddDays(1));
        var reply = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("Re: Trip", messageId: "trip-2@x", inReplyTo: "trip@x"), null, day1.AddDays(2));

        var newestFirst = new[] { new MailSort(MailSortKey.ReceivedAt, Descending: true) };
        Assert.Equal([reply.EmailId, other.EmailId, root.EmailId], await account.QueryEmailsAsync(null, newestFirst));
        Assert.Equal([reply.EmailId, other.EmailId], await account.QueryEmailsAsync(null, newestFirst, collapseThreads: true));
        Assert.Equal([root.EmailId, other.EmailId], await account.QueryEmailsAsync(null, [new MailSort(MailSortKey.ReceivedAt)], collapseThreads: true));
        Assert.Equal([root.EmailId, other.EmailId], await account.QueryEmailsAsync(new MailFilter.InMailbox(inbox.Id), null, collapseThreads: true));

        // Collapsing comes after filtering: the thread is represented by its first matching email.
        Assert.Equal([reply.EmailId], await account.QueryEmailsAsync(new MailFilter.Text(MailTextField.Subject, "re"), null, collapseThreads: true));
    }

    /// <summary>
    /// A thread lists its emails by received date; a message with the same subject but no references is a thread of
    /// its own; the thread keyword conditions look at every email of the thread.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Thread_listing_follows_the_reply_chain_and_leaves_out_a_same_subject_stranger()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var day1 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var root = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("Plans", messageId: "plans@x"), null, day1);
        var afterRoot = await account.GetStateAsync();
        var late = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("Re: Plans", messageId: "plans-2@x", inReplyTo: "plans@x"), null, day1.AddDays(3));
        var early = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("RE: Re: Plans", messageId: "plans-3@x", inReplyTo: "plans-2@x"), null, day1.AddDays(2));
        var stranger = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("Re: Plans", messageId: "elsewhere@x"), null, day1.AddDays(1));
        var emails = (await account.GetEmailsAsync([root.EmailId, late.EmailId, early.EmailId, stranger.EmailId])).ToDictionary(e => e.Id);
        var thread = emails[root.EmailId].ThreadId;

        Assert.Equal(thread, emails[late.EmailId].ThreadId);
        Assert.Equal(thread, emails[early.EmailId].ThreadId);
        Assert.NotEqual(thread, emails[stranger.EmailId].ThreadId);
        Assert.Equal([root.EmailId, early.EmailId, late.EmailId], await account.GetThreadAsync(thread));
        Assert.Equal([stranger.EmailId], await account.GetThreadAsync(emails[stranger.EmailId].ThreadId));
        Assert.Empty(await account.GetThreadAsync(987654));
        Assert.Empty(await Engine.OpenAccount(2).GetThreadAsync(thread));
        Assert.Equal([thread, emails[stranger.EmailId].ThreadId], (await account.GetChangesAsync(afterRoot)).UpdatedThreads);
        var beforeKeywords = await account.GetStateAsync();

        await account.SetKeywordsAsync(inbox.Id, [root.Uid], KeywordOperation.Add, [MailKeywords.Flagged]);
        var threadMembers = new[] { root.EmailId, late.EmailId, early.EmailId };
        Assert.Equal(threadMembers.Order(), await account.QueryEmailsAsync(new MailFilter.SomeInThreadHaveKeyword(MailKeywords.Flagged)));
        Assert.Empty(await account.QueryEmailsAsync(new MailFilter.AllInThreadHaveKeyword(MailKeywords.Flagged)));
        Assert.Equal([stranger.EmailId], await account.QueryEmailsAsync(new MailFilter.NoneInThreadHaveKeyword(MailKeywords.Flagged)));
        await account.SetKeywordsAsync(inbox.Id, [late.Uid, early.Uid], KeywordOperation.Add, [MailKeywords.Flagged]);
        Assert.Equal(threadMembers.Order(), await account.QueryEmailsAsync(new MailFilter.AllInThreadHaveKeyword(MailKeywords.Flagged)));
        Assert.Equal([root.Uid], await account.SearchMailboxAsync(inbox.Id, MailFilter.AllOf(new MailFilter.AllInThreadHaveKeyword(MailKeywords.Flagged), new MailFilter.Uids([new UidRange(1, 1)]))));

        // A destroyed email leaves its thread.
        await account.SetKeywordsAsync(inbox.Id, [early.Uid], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.ExpungeAsync(inbox.Id);
        Assert.Equal([root.EmailId, late.EmailId], await account.GetThreadAsync(thread));

        // Keyword changes leave threads alone; the expunge changed one thread.
        Assert.Equal([thread], (await account.GetChangesAsync(beforeKeywords)).UpdatedThreads);
        Assert.Equal(0, await Data.ScanAsync(MailKeys.Thread, KeyRange.Prefix(MailKeys.ThreadKey(1, thread, early.EmailId))).CountAsync());
    }

    /// <summary>A destroyed email leaves the full-text index: expunged, or deleted with its mailbox; a copy made as a new email is indexed.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_destroyed_email_is_no_longer_found_by_text()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var box = await account.CreateMailboxAsync("Projects");
        var kept = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("Kept", body: "zephyr kept"));
        var gone = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("Gone", body: "zephyr gone"));
        var filed = await AppendRawAsync(account, box.Id, MailTestMessages.Simple("Filed", body: "zephyr filed"));
        var zephyr = new MailFilter.Text(MailTextField.Body, "zephyr");
        Assert.Equal([kept.EmailId, gone.EmailId, filed.EmailId], await account.QueryEmailsAsync(zephyr));

        // Copying into a mailbox that already holds the email makes a second email, indexed on its own.
        var copy = await account.CopyAsync(inbox.Id, [kept.Uid], inbox.Id);
        var twin = (await account.GetMessagesAsync(inbox.Id).ToListAsync()).Single(m => m.Uid == copy.DestinationUids[0]).EmailId;
        Assert.NotEqual(kept.EmailId, twin);
        Assert.Equal([kept.EmailId, twin], await account.QueryEmailsAsync(new MailFilter.Text(MailTextField.Body, "kept")));

        await account.SetKeywordsAsync(inbox.Id, [gone.Uid], KeywordOperation.Add, [MailKeywords.Deleted]);
        await account.ExpungeAsync(inbox.Id);
        await account.DeleteMailboxAsync(box.Id, removeMessages: true);

        Assert.Equal([kept.EmailId, twin], await account.QueryEmailsAsync(zephyr));
        Assert.Equal([kept.Uid, copy.DestinationUids[0]], await account.SearchMailboxAsync(inbox.Id, zephyr));

        // The documents themselves are gone from the index, and no marker is left behind.
        var index = CreateFullTextStore(Data);
        Assert.Equal([kept.EmailId, twin], await index.QueryAsync(1, FullTextFilter.Words(FullTextFieldNames.Body, "zephyr")));
        Assert.Equal(0, await Data.ScanAsync(MailKeys.FullTextPending, KeyRange.All()).CountAsync());
    }

    /// <summary>
    /// An email committed while the index could not be written keeps its pending marker, and the catch-up pass (run
    /// at start and by garbage collection) indexes it; a removal that could not reach the index is finished the same way.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_pending_index_marker_left_by_a_crash_is_indexed_by_the_catch_up_pass()
    {
        var broken = new MailEngine(Data, Blobs, null, Clock, fullText: new FailingFullTextStore());
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var quokka = new MailFilter.Text(MailTextField.Any, "quokka");

        // The email is stored and reported stored even though indexing failed.
        var first = await broken.OpenAccount(1).AppendAsync(inbox.Id, new MemoryStream(MailTestMessages.Simple("Sighting", body: "a quokka at noon")));
        Assert.True(first.Succeeded);
        Assert.NotNull(await Data.GetAsync(MailKeys.FullTextPending, MailKeys.AccountItem(1, first.EmailId)));
        Assert.Empty(await account.QueryEmailsAsync(quokka));

        Assert.Equal(1, await Engine.IndexPendingAsync());
        Assert.Equal([first.EmailId], await account.QueryEmailsAsync(quokka));
        Assert.Null(await Data.GetAsync(MailKeys.FullTextPending, MailKeys.AccountItem(1, first.EmailId)));
        Assert.Equal(0, await Engine.IndexPendingAsync());

        // A delivery through the broken engine, finished by a garbage collection pass.
        var delivered = await broken.DeliverAsync(new MemoryStream(MailTestMessages.Simple("Another", body: "second quokka")), [1]);
        Assert.Equal(DeliveryStatus.Delivered, delivered[0].Status);
        Assert.Equal([first.EmailId], await account.QueryEmailsAsync(quokka));
        Assert.Equal(1, (await Engine.CollectGarbageAsync()).EmailsIndexed);
        Assert.Equal([first.EmailId, delivered[0].EmailId], await account.QueryEmailsAsync(quokka));

        // An expunge through the broken engine leaves a removal marker; the document stays until the pass removes it.
        var brokenAccount = broken.OpenAccount(1);
        await brokenAccount.SetKeywordsAsync(inbox.Id, [first.Uid], KeywordOperation.Add, [MailKeywords.Deleted]);
        await brokenAccount.ExpungeAsync(inbox.Id);
        var index = CreateFullTextStore(Data);
        Assert.Equal([first.EmailId, delivered[0].EmailId], await index.QueryAsync(1, FullTextFilter.Words(null, "quokka")));
        Assert.Equal([delivered[0].EmailId], await account.QueryEmailsAsync(quokka));
        Assert.Equal(1, await Engine.IndexPendingAsync());
        Assert.Equal([delivered[0].EmailId], await index.QueryAsync(1, FullTextFilter.Words(null, "quokka")));
        Assert.Equal(0, await Data.ScanAsync(MailKeys.FullTextPending, KeyRange.All()).CountAsync());
    }

    /// <summary>The full-text index the engines of a test use: by default the engine's own, over the data store.</summary>
    /// <param name="dataStore">The data store.</param>
    /// <returns>The index.</returns>
    protected virtual IFullTextStore CreateFullTextStore(IDataStore dataStore) => new DataStoreFullTextStore(dataStore);

    private MailEngine NewEngine(MailEngineOptions? options = null) => new(Data, Blobs, options, Clock, fullText: CreateFullTextStore(Data));

    private static MailEngineOptions InlineOrNot(bool inline) => new() { InlineMessageBytes = inline ? 64 * 1024 : 0 };

    /// <summary>Whether a message's content is stored where the engine keeps it: the data store when inline, else the blob store.</summary>
    private async Task<bool> StoredAsync(BlobHash hash, bool inline)
    {
        var inData = await Data.GetAsync(MailKeys.BlobInline, MailKeys.BlobKey(hash)) is not null;
        var inBlobs = await Blobs.ExistsAsync(hash);
        Assert.False(inline ? inBlobs : inData, inline ? "a small message went to the blob store" : "a message went to the data store with inline storage off");
        return inline ? inData : inBlobs;
    }

    private static async Task<Mailbox> InboxAsync(IMailAccount account)
        => (await account.GetMailboxesAsync()).Single(m => m.Role == MailboxRole.Inbox);

    private static async Task<AppendResult> AppendAsync(IMailAccount account, ulong mailboxId, string subject)
    {
        var result = await account.AppendAsync(mailboxId, new MemoryStream(MailTestMessages.Simple(subject)));
        Assert.True(result.Succeeded);
        return result;
    }

    private static async Task<AppendResult> AppendRawAsync(IMailAccount account, ulong mailboxId, byte[] raw, IReadOnlyCollection<string>? keywords = null, DateTimeOffset? internalDate = null)
    {
        var result = await account.AppendAsync(mailboxId, new MemoryStream(raw), keywords, internalDate);
        Assert.True(result.Succeeded);
        return result;
    }

    private static async Task<List<uint>> UidsAsync(IMailAccount account, ulong mailboxId)
        => await account.GetMessagesAsync(mailboxId).Select(m => m.Uid).ToListAsync();

    private static async Task<byte[]> ReadAllAsync(IMailAccount account, ulong emailId)
    {
        var stream = await account.OpenMessageAsync(emailId);
        Assert.NotNull(stream);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    private static async Task ExpungeAllAsync(IMailAccount account)
    {
        foreach (var mailbox in await account.GetMailboxesAsync())
        {
            var uids = await UidsAsync(account, mailbox.Id);
            await account.SetKeywordsAsync(mailbox.Id, uids, KeywordOperation.Add, [MailKeywords.Deleted]);
            await account.ExpungeAsync(mailbox.Id);
        }
    }

    private static async Task AssertCountsAsync(IMailAccount account, ulong mailboxId, long total, long unseen, long size)
    {
        var mailbox = await account.GetMailboxAsync(mailboxId);
        Assert.NotNull(mailbox);
        Assert.Equal(total, mailbox.TotalMessages);
        Assert.Equal(unseen, mailbox.UnseenMessages);
        if (size >= 0)
        {
            Assert.Equal(size, mailbox.Size);
        }

        // The counters agree with what a full listing shows.
        var listed = await account.GetMessagesAsync(mailboxId).ToListAsync();
        Assert.Equal(total, listed.Count);
        Assert.Equal(unseen, listed.Count(m => !m.Keywords.Contains(MailKeywords.Seen)));
        Assert.Equal(mailbox.Size, listed.Sum(m => m.Size));
    }
}

using System.Threading.Channels;
using Mail.Host.Engine.Mail;
using Mail.Host.Mail;
using Mail.Host.Plugins.InMemory;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>Change notifications and the mapping of principals to accounts, on every backend.</summary>
public abstract partial class MailEngineConformance
{
    private static readonly TimeSpan NotificationWait = TimeSpan.FromSeconds(5);

    /// <summary>A delivery, a flag change, an expunge and a new mailbox each reach a subscriber with their kind.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_subscriber_hears_each_kind_of_change_in_its_account()
    {
        var account = Engine.OpenAccount(40);
        var inbox = await InboxAsync(account);
        var heard = Channel.CreateUnbounded<MailNotification>();
        await using var subscription = await Engine.SubscribeAsync(40, (n, _) => heard.Writer.WriteAsync(n));

        var delivered = (await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple("hello")), [40UL])).Single();
        var added = await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MessagesAdded));
        Assert.Contains(inbox.Id, added.MailboxIds);
        Assert.Equal(await account.GetStateAsync(), added.State);

        await account.SetKeywordsAsync(inbox.Id, [delivered.Uid], KeywordOperation.Add, [MailKeywords.Flagged, MailKeywords.Deleted]);
        var changed = await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MessagesChanged));
        Assert.Contains(inbox.Id, changed.MailboxIds);

        await account.ExpungeAsync(inbox.Id);
        var expunged = await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MessagesExpunged));
        Assert.Contains(inbox.Id, expunged.MailboxIds);

        var created = await account.CreateMailboxAsync("Projects");
        var mailboxes = await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MailboxesChanged));
        Assert.Contains(created.Id, mailboxes.MailboxIds);
        Assert.True(mailboxes.ModSeq > expunged.ModSeq && expunged.ModSeq > changed.ModSeq && changed.ModSeq > added.ModSeq);
    }

    /// <summary>Another account's changes are not reported, and after disposal nothing more is.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Notifications_stay_in_their_account_and_stop_when_disposed()
    {
        var heard = Channel.CreateUnbounded<MailNotification>();
        var subscription = await Engine.SubscribeAsync(41, (n, _) => heard.Writer.WriteAsync(n));
        await Engine.OpenAccount(42).GetMailboxesAsync();

        await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple("for 42")), [42UL]);
        await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple("for 41")), [41UL]);
        var first = await NextAsync(heard, _ => true);
        Assert.Equal(41UL, first.AccountId);

        await subscription.DisposeAsync();
        await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple("after")), [41UL]);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        while (heard.Reader.TryRead(out var late))
        {
            Assert.True(late.ModSeq <= first.ModSeq, "A notification arrived after the subscription was disposed.");
        }
    }

    /// <summary>
    /// A second engine over the same store stands for another host process: without a lookup store its changes are
    /// found by polling the watched account.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Changes_made_by_another_process_are_found_by_polling()
    {
        var watcher = NewEngine(new MailEngineOptions { NotificationPollInterval = TimeSpan.FromMilliseconds(50) });
        var other = NewEngine();
        var heard = Channel.CreateUnbounded<MailNotification>();
        await using var subscription = await watcher.SubscribeAsync(43, (n, _) => heard.Writer.WriteAsync(n));

        await other.DeliverAsync(new MemoryStream(MailTestMessages.Simple("from elsewhere")), [43UL]);

        var added = await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MessagesAdded));
        Assert.Equal(await other.OpenAccount(43).GetStateAsync(), added.State);
    }

    /// <summary>
    /// With a lookup store shared by both processes, a change reaches the other one through publish/subscribe; the
    /// safety poll is set to an hour so that polling cannot be what delivers it.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Changes_made_by_another_process_arrive_through_the_lookup_store()
    {
        await using var lookup = new MemoryLookupStore();
        var options = new MailEngineOptions { NotificationSafetyPollInterval = TimeSpan.FromHours(1), NotificationPollInterval = TimeSpan.FromHours(1) };
        var watcher = new MailEngine(Data, Blobs, options, Clock, lookup);
        var other = new MailEngine(Data, Blobs, options, Clock, lookup);
        var heard = Channel.CreateUnbounded<MailNotification>();
        await using var subscription = await watcher.SubscribeAsync(44, (n, _) => heard.Writer.WriteAsync(n));

        var result = (await other.DeliverAsync(new MemoryStream(MailTestMessages.Simple("published")), [44UL])).Single();

        var added = await NextAsync(heard, n => n.Kinds.HasFlag(MailEventKinds.MessagesAdded));
        Assert.Contains(result.MailboxId, added.MailboxIds);
    }

    /// <summary>A handler that throws is called again for the next change.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_failing_handler_keeps_its_subscription()
    {
        var calls = 0;
        var heard = Channel.CreateUnbounded<MailNotification>();
        await using var subscription = await Engine.SubscribeAsync(45, async (n, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("the first call fails");
            }

            await heard.Writer.WriteAsync(n);
        });

        await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple("one")), [45UL]);
        await WaitUntilAsync(() => Volatile.Read(ref calls) >= 1);
        await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple("two")), [45UL]);

        var second = await NextAsync(heard, _ => true);
        Assert.Equal(await Engine.OpenAccount(45).GetStateAsync(), second.State);
    }

    /// <summary>A principal keeps one account id, whatever the case of its name, and two names never share one.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Principals_map_to_stable_distinct_account_ids()
    {
        var alice = await Engine.GetAccountIdAsync("alice");
        var bob = await Engine.GetAccountIdAsync("bob");

        Assert.NotEqual(0UL, alice);
        Assert.NotEqual(alice, bob);
        Assert.Equal(alice, await Engine.GetAccountIdAsync("Alice"));
        Assert.Equal(alice, await NewEngine().GetAccountIdAsync("ALICE"));
    }

    /// <summary>Two processes mapping the same new principal at once agree on its id.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Two_engines_mapping_a_new_principal_at_once_agree()
    {
        var engines = Enumerable.Range(0, 8).Select(_ => NewEngine()).ToList();

        var ids = await Task.WhenAll(engines.Select(e => Task.Run(async () => await e.GetAccountIdAsync("carol"))));

        Assert.Single(ids.Distinct());
        Assert.Equal(ids[0], await NewEngine().GetAccountIdAsync("carol"));
    }

    private static async Task<MailNotification> NextAsync(Channel<MailNotification> heard, Func<MailNotification, bool> match)
    {
        using var timeout = new CancellationTokenSource(NotificationWait);
        try
        {
            while (true)
            {
                var notification = await heard.Reader.ReadAsync(timeout.Token);
                if (match(notification))
                {
                    return notification;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"No matching notification arrived within {NotificationWait.TotalSeconds} s.");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + NotificationWait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition was not met in time.");
            await Task.Delay(10);
        }
    }
}

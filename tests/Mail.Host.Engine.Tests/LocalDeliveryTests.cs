using Mail.Host.Directory;
using Mail.Host.Engine.Delivery;
using Mail.Host.Engine.Mail;
using Mail.Host.Engine.Storage;
using Mail.Host.Mail;
using Mail.Host.Plugins.InMemory;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// Delivery by address over the in-memory store, with a directory written out in the test: how addresses, groups,
/// disabled accounts, quotas and an unreachable directory turn into per-recipient outcomes.
/// </summary>
public sealed class LocalDeliveryTests
{
    private readonly TableDirectory directory = new();
    private readonly MailEngine engine;
    private readonly LocalDelivery delivery;

    public LocalDeliveryTests()
    {
        var data = new MemoryDataStore();
        engine = new MailEngine(data, new DataStoreBlobStore(data));
        delivery = new LocalDelivery(engine, directory);
        directory.Add(new Principal { Name = "alice", Addresses = ["alice@example.com", "a@example.com"] });
        directory.Add(new Principal { Name = "bob", Addresses = ["bob@example.com"] });
        directory.Add(new Principal { Name = "carol", Addresses = ["carol@example.com"], Disabled = true });
        directory.Add(new Principal { Name = "dave", Addresses = ["dave@example.com"], QuotaMessages = 1 });
        directory.Add(new Principal { Name = "team", Kind = PrincipalKind.Group, Addresses = ["team@example.com"], Members = ["alice@example.com", "carol@example.com", "inner@example.com", "team@example.com"] });
        directory.Add(new Principal { Name = "inner", Kind = PrincipalKind.Group, Addresses = ["inner@example.com"], Members = ["bob@example.com", "team@example.com"] });
    }

    /// <summary>Each address gets its own outcome; an alias reaches its owner.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Known_unknown_and_disabled_addresses_get_their_own_outcomes()
    {
        var outcomes = await delivery.DeliverAsync(new MemoryStream(MailTestMessages.Simple("hi")), ["a@example.com", "nobody@example.com", "carol@example.com"]);

        Assert.Equal([RecipientStatus.Delivered, RecipientStatus.Unknown, RecipientStatus.Disabled], outcomes.Select(o => o.Status));
        Assert.Equal(await engine.GetAccountIdAsync("alice"), Assert.Single(outcomes[0].Accounts).AccountId);
        Assert.Equal(1, await InboxCountAsync("alice"));
    }

    /// <summary>
    /// A group reaches its enabled members through nested groups, and a group that contains itself stops; an
    /// account named twice (directly and through the group) gets one copy.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Groups_expand_through_nesting_and_cycles_with_one_copy_per_account()
    {
        var outcomes = await delivery.DeliverAsync(new MemoryStream(MailTestMessages.Simple("all hands")), ["team@example.com", "alice@example.com"]);

        Assert.All(outcomes, o => Assert.Equal(RecipientStatus.Delivered, o.Status));
        var reached = outcomes[0].Accounts.Select(a => a.AccountId).Order().ToList();
        Assert.Equal(new[] { await engine.GetAccountIdAsync("alice"), await engine.GetAccountIdAsync("bob") }.Order(), reached);
        Assert.Equal(1, await InboxCountAsync("alice"));
        Assert.Equal(1, await InboxCountAsync("bob"));
    }

    /// <summary>The directory's quota is applied to the account and refuses the message that would exceed it.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task The_directory_quota_is_enforced()
    {
        var first = await delivery.DeliverAsync(new MemoryStream(MailTestMessages.Simple("one")), ["dave@example.com"]);
        var second = await delivery.DeliverAsync(new MemoryStream(MailTestMessages.Simple("two")), ["dave@example.com"]);

        Assert.Equal(RecipientStatus.Delivered, first[0].Status);
        Assert.Equal(RecipientStatus.OverQuota, second[0].Status);
        Assert.Equal(QuotaResource.Messages, second[0].ExceededQuota);
        Assert.Equal(1, await InboxCountAsync("dave"));
    }

    /// <summary>
    /// Observers hear of every delivery that stored a copy, with the envelope sender and each account once (marked when
    /// reached through a group); an observer that throws changes nothing for the sender, and the next one still hears.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Observers_hear_the_envelope_sender_and_each_copy_and_cannot_fail_the_delivery()
    {
        var failing = new RecordingObserver { Fail = true };
        var recording = new RecordingObserver();
        var observed = new LocalDelivery(engine, directory, observers: [failing, recording]);

        var outcomes = await observed.DeliverAsync(new MemoryStream(MailTestMessages.Simple("hello")), ["alice@example.com", "team@example.com", "nobody@example.com"], "sender@elsewhere.test", null, CancellationToken.None);
        await observed.DeliverAsync(new MemoryStream(MailTestMessages.Simple("nobody")), ["nobody@example.com"]);
        await observed.DeliverAsync(new MemoryStream(MailTestMessages.Simple("unknown sender")), ["bob@example.com"]);

        Assert.Equal([RecipientStatus.Delivered, RecipientStatus.Delivered, RecipientStatus.Unknown], outcomes.Select(o => o.Status));
        Assert.Equal(2, failing.Seen.Count);
        Assert.Equal(2, recording.Seen.Count);
        var first = recording.Seen[0];
        Assert.Equal("sender@elsewhere.test", first.ReturnPath);
        var alice = await engine.GetAccountIdAsync("alice");
        var bob = await engine.GetAccountIdAsync("bob");
        Assert.Equal(2, first.Copies.Count);
        var aliceCopy = Assert.Single(first.Copies, c => c.AccountId == alice);
        Assert.Equal("alice@example.com", aliceCopy.Recipient);
        Assert.False(aliceCopy.ThroughGroup);
        Assert.Equal("alice", aliceCopy.Principal.Name);
        Assert.Equal(outcomes[0].Accounts[0].EmailId, aliceCopy.EmailId);
        var bobCopy = Assert.Single(first.Copies, c => c.AccountId == bob);
        Assert.Equal("team@example.com", bobCopy.Recipient);
        Assert.True(bobCopy.ThroughGroup);
        Assert.Null(recording.Seen[1].ReturnPath);
        Assert.Equal(bob, Assert.Single(recording.Seen[1].Copies).AccountId);
    }

    /// <summary>An address the directory cannot answer for fails temporarily; the others are still delivered.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task An_unreachable_directory_fails_only_the_addresses_it_could_not_answer()
    {
        directory.FailFor = "bob@example.com";

        var outcomes = await delivery.DeliverAsync(new MemoryStream(MailTestMessages.Simple("partly")), ["bob@example.com", "alice@example.com"]);

        Assert.Equal([RecipientStatus.TemporaryFailure, RecipientStatus.Delivered], outcomes.Select(o => o.Status));
        Assert.Contains("not available", outcomes[0].Detail, StringComparison.Ordinal);
    }

    private async Task<long> InboxCountAsync(string principal)
    {
        var account = engine.OpenAccount(await engine.GetAccountIdAsync(principal));
        return (await account.GetMailboxesAsync()).Single(m => m.Role == MailboxRole.Inbox).TotalMessages;
    }

    /// <summary>A directory held in a table, standing in for a real one in these unit tests of the delivery logic.</summary>
    private sealed class TableDirectory : IDirectory
    {
        private readonly Dictionary<string, Principal> byAddress = new(StringComparer.OrdinalIgnoreCase);

        public string? FailFor { get; set; }

        public void Add(Principal principal)
        {
            foreach (var address in principal.Addresses)
            {
                byAddress[address] = principal;
            }
        }

        public ValueTask<AuthenticationResult> AuthenticateAsync(Credentials credentials, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public ValueTask<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken cancellationToken = default)
        {
            if (string.Equals(address, FailFor, StringComparison.OrdinalIgnoreCase))
            {
                throw new DirectoryUnavailableException("the directory server is down");
            }

            return ValueTask.FromResult(byAddress.TryGetValue(address, out var principal) ? RecipientResolution.For(principal) : RecipientResolution.NotFound);
        }

        public ValueTask<Principal?> FindPrincipalAsync(string name, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(byAddress.Values.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)));

        public ValueTask<IReadOnlyList<string>> ListDomainsAsync(CancellationToken cancellationToken = default)
            => ValueTask.FromResult<IReadOnlyList<string>>(["example.com"]);
    }

    private sealed class RecordingObserver : IDeliveryObserver
    {
        public bool Fail { get; init; }

        public List<DeliveredMessage> Seen { get; } = [];

        public ValueTask OnDeliveredAsync(DeliveredMessage delivered, CancellationToken cancellationToken)
        {
            Seen.Add(delivered);
            return Fail ? throw new InvalidOperationException("observer failure") : ValueTask.CompletedTask;
        }
    }
}

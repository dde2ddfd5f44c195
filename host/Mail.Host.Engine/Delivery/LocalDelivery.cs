using System.Collections.Concurrent;
using Mail.Host.Directory;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mail.Host.Engine.Delivery;

/// <summary>
/// Delivers by address: the directory says who an address is, the engine stores the message once for all of them.
/// </summary>
public sealed class LocalDelivery : IMailDelivery
{
    /// <summary>How deep groups inside groups are followed; deeper members are left out (and logged).</summary>
    public const int MaxGroupDepth = 8;

    /// <summary>The most accounts one address may expand to, so a runaway list cannot stall the server.</summary>
    public const int MaxExpandedAccounts = 10_000;

    private readonly IMailEngine engine;
    private readonly IDirectory directory;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<ulong, MailQuota> appliedQuotas = new();
    private readonly IDeliveryObserver[] observers;

    /// <summary>Creates the delivery service.</summary>
    /// <param name="engine">The engine that stores the mail.</param>
    /// <param name="directory">The directory that resolves addresses.</param>
    /// <param name="logger">Where group expansion problems and temporary failures are reported.</param>
    /// <param name="observers">Told about every delivery that stored a copy (vacation replies, push).</param>
    public LocalDelivery(IMailEngine engine, IDirectory directory, ILogger<LocalDelivery>? logger = null, IEnumerable<IDeliveryObserver>? observers = null)
    {
        this.observers = [.. observers ?? []];
        this.engine = engine ?? throw new ArgumentNullException(nameof(engine));
        this.directory = directory ?? throw new ArgumentNullException(nameof(directory));
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RecipientDelivery>> DeliverAsync(Stream message, IReadOnlyList<string> recipients, DateTimeOffset? receivedAt = null, CancellationToken cancellationToken = default)
        => DeliverAsync(message, recipients, null, receivedAt, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<RecipientDelivery>> DeliverAsync(Stream message, IReadOnlyList<string> recipients, string? returnPath, DateTimeOffset? receivedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        var outcomes = new RecipientDelivery?[recipients.Count];
        var targets = new List<ulong>[recipients.Count];
        var accounts = new List<ulong>();
        var principals = new Dictionary<ulong, Principal>();
        var throughGroup = new bool[recipients.Count];
        for (var i = 0; i < recipients.Count; i++)
        {
            targets[i] = [];
            try
            {
                var (failure, reached, group) = await ResolveAsync(recipients[i], cancellationToken).ConfigureAwait(false);
                if (failure is not null)
                {
                    outcomes[i] = failure;
                    continue;
                }

                throughGroup[i] = group;
                foreach (var principal in reached)
                {
                    var accountId = await AccountOfAsync(principal, cancellationToken).ConfigureAwait(false);
                    targets[i].Add(accountId);
                    accounts.Add(accountId);
                    principals.TryAdd(accountId, principal);
                }
            }
            catch (Exception ex) when (ex is DirectoryUnavailableException or StoreUnavailableException)
            {
                logger.LogWarning(ex, "Could not resolve the recipient {Recipient}; the sender should try again", recipients[i]);
                outcomes[i] = Temporary(recipients[i], ex);
            }
        }

        var results = new Dictionary<ulong, DeliveryResult>();
        if (accounts.Count > 0)
        {
            try
            {
                foreach (var result in await engine.DeliverAsync(message, accounts, receivedAt, cancellationToken).ConfigureAwait(false))
                {
                    results[result.AccountId] = result;
                }
            }
            catch (Exception ex) when (ex is StoreUnavailableException or MailException { Code: MailErrorCode.Conflict })
            {
                logger.LogWarning(ex, "Could not store a message for {Count} accounts; the sender should try again", accounts.Distinct().Count());
                for (var i = 0; i < outcomes.Length; i++)
                {
                    outcomes[i] ??= Temporary(recipients[i], ex);
                }

                return outcomes!;
            }
        }

        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] ??= Summarize(recipients[i], [.. targets[i].Distinct().Select(id => results[id])]);
        }

        if (observers.Length > 0)
        {
            await TellObserversAsync(recipients, targets, throughGroup, principals, results, returnPath, receivedAt, cancellationToken).ConfigureAwait(false);
        }

        return outcomes!;
    }

    /// <summary>Tells every observer about the copies stored, each account once; an observer's failure is only logged.</summary>
    private async ValueTask TellObserversAsync(IReadOnlyList<string> recipients, List<ulong>[] targets, bool[] throughGroup, Dictionary<ulong, Principal> principals, Dictionary<ulong, DeliveryResult> results, string? returnPath, DateTimeOffset? receivedAt, CancellationToken cancellationToken)
    {
        var copies = new List<DeliveredCopy>();
        var told = new HashSet<ulong>();
        for (var i = 0; i < recipients.Count; i++)
        {
            foreach (var accountId in targets[i])
            {
                if (results.TryGetValue(accountId, out var result) && result.Status == DeliveryStatus.Delivered && told.Add(accountId))
                {
                    copies.Add(new DeliveredCopy
                    {
                        Recipient = recipients[i],
                        ThroughGroup = throughGroup[i],
                        Principal = principals[accountId],
                        AccountId = accountId,
                        EmailId = result.EmailId,
                        MailboxId = result.MailboxId,
                    });
                }
            }
        }

        if (copies.Count == 0)
        {
            return;
        }

        var delivered = new DeliveredMessage { ReturnPath = returnPath, ReceivedAt = receivedAt ?? DateTimeOffset.UtcNow, Copies = copies };
        foreach (var observer in observers)
        {
            try
            {
                await observer.OnDeliveredAsync(delivered, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "A delivery observer ({Observer}) failed; the delivery stands", observer.GetType().FullName);
            }
        }
    }

    private static RecipientDelivery Summarize(string address, IReadOnlyList<DeliveryResult> copies)
    {
        if (copies.Any(c => c.Status == DeliveryStatus.Delivered))
        {
            return new RecipientDelivery { Address = address, Status = RecipientStatus.Delivered, Accounts = copies };
        }

        if (copies.FirstOrDefault(c => c.Status == DeliveryStatus.OverQuota) is { } over)
        {
            return new RecipientDelivery
            {
                Address = address,
                Status = RecipientStatus.OverQuota,
                Accounts = copies,
                ExceededQuota = over.ExceededQuota,
                Detail = $"The mailbox of {address} is over its {(over.ExceededQuota == QuotaResource.Messages ? "message count" : "storage")} quota.",
            };
        }

        // The account was mapped a moment ago; it vanishing means another process removed it meanwhile.
        return new RecipientDelivery { Address = address, Status = RecipientStatus.TemporaryFailure, Accounts = copies, Detail = $"The account of {address} is not available right now." };
    }

    private static RecipientDelivery Temporary(string address, Exception ex)
        => new() { Address = address, Status = RecipientStatus.TemporaryFailure, Detail = $"The mail store or directory is not available right now: {ex.Message}" };

    /// <summary>The enabled individuals an address reaches, or why it reaches none.</summary>
    private async ValueTask<(RecipientDelivery? Failure, List<Principal> Principals, bool ThroughGroup)> ResolveAsync(string address, CancellationToken cancellationToken)
    {
        var resolution = await directory.ResolveRecipientAsync(address, cancellationToken).ConfigureAwait(false);
        switch (resolution)
        {
            case { Kind: RecipientKind.Individual, Principal: { Disabled: true } }:
                return (new RecipientDelivery { Address = address, Status = RecipientStatus.Disabled, Detail = $"The account of {address} is disabled." }, [], false);
            case { Kind: RecipientKind.Individual, Principal: { } person }:
                return (null, [person], false);
            case { Kind: RecipientKind.Group, Principal: { } group } when !group.Disabled:
                var members = await ExpandAsync(group, cancellationToken).ConfigureAwait(false);
                return members.Count > 0
                    ? (null, members, true)
                    : (new RecipientDelivery { Address = address, Status = RecipientStatus.Unknown, Detail = $"The group {address} has no member who can receive mail." }, [], true);
            case { Kind: RecipientKind.Group }:
                return (new RecipientDelivery { Address = address, Status = RecipientStatus.Disabled, Detail = $"The group {address} is disabled." }, [], true);
            default:
                return (new RecipientDelivery { Address = address, Status = RecipientStatus.Unknown, Detail = $"There is no mailbox {address} here." }, [], false);
        }
    }

    /// <summary>
    /// A group's enabled individuals, breadth first, each group and person once however often it is reached, so a
    /// group that contains itself expands to its members and stops.
    /// </summary>
    private async ValueTask<List<Principal>> ExpandAsync(Principal group, CancellationToken cancellationToken)
    {
        var people = new List<Principal>();
        var seenPrincipals = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { group.Name };
        var seenAddresses = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<(string Address, int Depth)>(group.Members.Select(m => (m, 1)));
        while (queue.TryDequeue(out var item))
        {
            if (!seenAddresses.Add(item.Address))
            {
                continue;
            }

            var resolution = await directory.ResolveRecipientAsync(item.Address, cancellationToken).ConfigureAwait(false);
            if (resolution.Principal is not { Disabled: false } principal || !seenPrincipals.Add(principal.Name))
            {
                continue;
            }

            if (resolution.Kind == RecipientKind.Individual)
            {
                people.Add(principal);
                if (people.Count >= MaxExpandedAccounts)
                {
                    logger.LogWarning("The group {Group} expands to more than {Max} accounts; the rest get no copy", group.Name, MaxExpandedAccounts);
                    break;
                }
            }
            else if (item.Depth < MaxGroupDepth)
            {
                foreach (var member in principal.Members)
                {
                    queue.Enqueue((member, item.Depth + 1));
                }
            }
            else
            {
                logger.LogWarning("The group {Group} nests groups deeper than {Max}; the members of {Inner} get no copy", group.Name, MaxGroupDepth, principal.Name);
            }
        }

        return people;
    }

    /// <summary>The principal's account, with the quota its directory entry gives (applied once per change).</summary>
    private async ValueTask<ulong> AccountOfAsync(Principal principal, CancellationToken cancellationToken)
    {
        var accountId = await engine.GetAccountIdAsync(principal.Name, cancellationToken).ConfigureAwait(false);
        var quota = new MailQuota(principal.QuotaBytes, principal.QuotaMessages);
        if (!appliedQuotas.TryGetValue(accountId, out var applied) || applied != quota)
        {
            // Setting the quota also creates the account (with its special-use mailboxes) on first delivery.
            await engine.OpenAccount(accountId).SetQuotaAsync(quota, cancellationToken).ConfigureAwait(false);
            appliedQuotas[accountId] = quota;
        }

        return accountId;
    }
}

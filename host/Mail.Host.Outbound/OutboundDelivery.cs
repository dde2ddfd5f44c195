using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mail.Host.Directory;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Mail.Host.Outbound;

/// <summary>
/// Drains the outbound queue: due messages are leased through the lookup store (so two host processes sharing the
/// stores never deliver the same message at once), signed with DKIM, and handed to the recipients' MX hosts (or the
/// smarthost) with MailKit's SMTP client, STARTTLS when offered; refused recipients are bounced, deferred ones retried
/// on the schedule until they expire. It lives in the host, not in the SMTP plugin, because every protocol that accepts
/// mail enqueues (JMAP EmailSubmission too): a deployment without SMTP listeners still delivers its queue.
/// </summary>
public sealed partial class OutboundDelivery : BackgroundService
{
    private const int ScanBatch = 512;
    private const int MaxTransactionsPerConnection = 100;
    private readonly MailQueue queue;
    private readonly OutboundOptions options;
    private readonly ILookupStore lookup;
    private readonly IMailDelivery localDelivery;
    private readonly IDirectory directory;
    private readonly string hostname;
    private readonly ILogger logger;
    private readonly OutboundDns dns;
    private readonly DkimSigning dkim;
    private readonly ArcSealing arc;
    private readonly MtaStsPolicies? mtaSts;
    private readonly TlsTrust trust;
    private readonly SmtpConnectionPool pool;
    private readonly ConcurrentDictionary<string, byte> inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> perDomain = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim concurrency;

    /// <summary>Creates the service; it does nothing until the host starts it.</summary>
    /// <param name="queue">The queue it drains.</param>
    /// <param name="options">The <c>Outbound</c> settings.</param>
    /// <param name="lookup">The lookup store holding the delivery leases.</param>
    /// <param name="localDelivery">Local delivery, for bounces to local senders and queued local recipients.</param>
    /// <param name="directory">The authentication directory, whose domains are local.</param>
    /// <param name="hostname">This server's name (EHLO, Reporting-MTA, MAILER-DAEMON).</param>
    /// <param name="logger">Where attempts are logged.</param>
    public OutboundDelivery(MailQueue queue, OutboundOptions options, ILookupStore lookup, IMailDelivery localDelivery, IDirectory directory, string hostname, ILogger<OutboundDelivery> logger)
    {
        this.queue = queue ?? throw new ArgumentNullException(nameof(queue));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        this.lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
        this.localDelivery = localDelivery ?? throw new ArgumentNullException(nameof(localDelivery));
        this.directory = directory ?? throw new ArgumentNullException(nameof(directory));
        this.hostname = hostname;
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        dns = new OutboundDns(options);
        dkim = new DkimSigning(options.Dkim.Values);
        arc = new ArcSealing(options.Dkim.Values, new DnsDkimKeyLocator(dns.Client), hostname);
        trust = new TlsTrust(options.TrustedCaFiles);
        pool = new SmtpConnectionPool(options.ConnectionReuse, options.MaxConcurrency, MaxTransactionsPerConnection);
        mtaSts = options.MtaSts ? new MtaStsPolicies(dns, trust, logger) : null;
        concurrency = new SemaphoreSlim(options.MaxConcurrency);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        mtaSts?.Dispose();
        concurrency.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            logger.LogInformation("Outbound delivery is disabled in this process (Outbound:Enabled is false); queued mail waits for another");
            return;
        }

        await Task.Yield();
        try
        {
            // Records queued before the schedule existed have no schedule entry: give them one, due now.
            foreach (var entry in await queue.ListAsync(int.MaxValue, stoppingToken).ConfigureAwait(false))
            {
                if (entry.NextAttempt == default)
                {
                    await queue.SaveAsync(entry, entry.NextAttempt, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (StoreUnavailableException ex)
        {
            logger.LogWarning(ex, "Could not check the outbound queue's schedule at start");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var running = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var dispatched = 0;
            try
            {
                var due = await queue.DueAsync(DateTimeOffset.UtcNow, ScanBatch, stoppingToken).ConfigureAwait(false);
                foreach (var id in due)
                {
                    if (!inFlight.TryAdd(id, 0))
                    {
                        continue;
                    }

                    await concurrency.WaitAsync(stoppingToken).ConfigureAwait(false);
                    dispatched++;
                    running.Add(Task.Run(() => ProcessAsync(id, stoppingToken), CancellationToken.None));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is StoreUnavailableException or IOException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Could not scan the outbound queue; trying again shortly");
            }

            running.RemoveAll(t => t.IsCompleted);
            await pool.SweepAsync(all: false, stoppingToken).ConfigureAwait(false);
            if (dispatched == 0)
            {
                try
                {
                    await queue.WaitForWorkAsync(pool.HasIdle && options.ConnectionReuse < options.PollInterval ? options.ConnectionReuse : options.PollInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        await pool.SweepAsync(all: true, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task ProcessAsync(string id, CancellationToken stoppingToken)
    {
        LockLease? lease = null;
        using var renewing = new CancellationTokenSource();
        Task<LockLease?>? renewal = null;
        try
        {
            lease = await lookup.TryAcquireLockAsync("outbound:" + id, options.Lease, stoppingToken).ConfigureAwait(false);
            if (lease is null)
            {
                // Another process is delivering it; this one looks again at the next scan.
                return;
            }

            renewal = RenewAsync(lease, renewing.Token);

            // Read under the lease: another process may have delivered or rescheduled it since the scan.
            var entry = await queue.GetAsync(id, stoppingToken).ConfigureAwait(false);
            if (entry is null || entry.NextAttempt > DateTimeOffset.UtcNow)
            {
                return;
            }

            await AttemptAsync(entry, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Delivery attempt of queued message {Id} failed unexpectedly; it stays queued", id);
        }
        finally
        {
            if (lease is not null)
            {
                await renewing.CancelAsync().ConfigureAwait(false);
                if (renewal is not null)
                {
                    lease = await renewal.ConfigureAwait(false) ?? lease;
                }

                try
                {
                    await lookup.ReleaseLockAsync(lease, CancellationToken.None).ConfigureAwait(false);
                }
                catch (StoreUnavailableException)
                {
                    // The lease expires by itself.
                }
            }

            inFlight.TryRemove(id, out _);
            concurrency.Release();
            if (lease is not null)
            {
                queue.Wake();
            }
        }
    }

    /// <summary>Keeps a lease alive while its message is being delivered; returns the last lease held.</summary>
    private async Task<LockLease?> RenewAsync(LockLease lease, CancellationToken cancellationToken)
    {
        var current = lease;
        try
        {
            while (true)
            {
                await Task.Delay(options.Lease / 3, cancellationToken).ConfigureAwait(false);
                var renewed = await lookup.RenewLockAsync(current, options.Lease, cancellationToken).ConfigureAwait(false);
                if (renewed is null)
                {
                    logger.LogWarning("The delivery lease {Lease} was lost while delivering; another process may deliver the message too", current.Name);
                    return current;
                }

                current = renewed;
            }
        }
        catch (OperationCanceledException)
        {
            return current;
        }
        catch (StoreUnavailableException ex)
        {
            logger.LogWarning(ex, "Could not renew the delivery lease {Lease}", current.Name);
            return current;
        }
    }

    private async Task AttemptAsync(QueueEntry entry, CancellationToken cancellationToken)
    {
        var previous = entry.NextAttempt;
        var now = DateTimeOffset.UtcNow;
        using var raw = await queue.ReadMessageAsync(entry, cancellationToken).ConfigureAwait(false);
        var expired = now - entry.ReceivedAt >= options.ExpireAfter;
        var pending = entry.Pending.ToList();
        if (!expired && pending.Count > 0)
        {
            var message = await MimeMessage.LoadAsync(raw, cancellationToken).ConfigureAwait(false);
            raw.Position = 0;

            // A message that arrives with an ARC chain is being relayed: its chain is checked before DKIM signing
            // changes it, and it is sealed once signed.
            var seal = await arc.PrepareAsync(message, entry.From, entry.AuthenticatedAs, cancellationToken).ConfigureAwait(false);
            var signed = dkim.TrySign(message);
            if (seal is not null)
            {
                await arc.SealAsync(message, seal, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Queued message {Id} relayed with an ARC chain: sealed by {Domain} as i={Instance} cv={Cv}", entry.Id, seal.Domain, seal.Instance, seal.ChainValidation);
            }

            var localDomains = new HashSet<string>(await directory.ListDomainsAsync(cancellationToken).ConfigureAwait(false), StringComparer.OrdinalIgnoreCase);
            var groups = pending.GroupBy(r => DomainOf(r.Address), StringComparer.OrdinalIgnoreCase).ToList();
            var local = groups.Where(g => localDomains.Contains(g.Key)).SelectMany(g => g).ToList();
            if (local.Count > 0)
            {
                await DeliverLocallyAsync(raw, local, cancellationToken).ConfigureAwait(false);
            }

            var remote = groups.Where(g => !localDomains.Contains(g.Key)).ToList();
            var routes = options.Relay is null
                ? remote.Select(g => (Key: g.Key, Recipients: g.ToList()))
                : [(Key: options.Relay.Host, Recipients: remote.SelectMany(g => g).ToList())];
            await Task.WhenAll(routes.Where(r => r.Recipients.Count > 0).Select(r => DeliverRouteAsync(entry, message, r.Key, r.Recipients, cancellationToken))).ConfigureAwait(false);
            logger.LogDebug("Queued message {Id} attempt {Attempt} (DKIM {Signed})", entry.Id, entry.Attempts + 1, signed ? "signed" : "not signed");
        }

        entry.Attempts++;
        entry.LastAttempt = now;
        if (expired)
        {
            foreach (var recipient in entry.Pending.ToList())
            {
                recipient.Status = QueueRecipientState.FailedStatus;
                recipient.StatusCode = "4.4.7";
                recipient.Detail = $"delivery time expired after {options.ExpireAfter.TotalHours:0.#} hours; last error: {recipient.Detail ?? entry.LastError ?? "none"}";
            }
        }

        var failed = pending.Where(r => r.Status == QueueRecipientState.FailedStatus).ToList();
        foreach (var recipient in pending.Where(r => r.Status != QueueRecipientState.PendingStatus))
        {
            logger.LogInformation("Queued message {Id} to <{Recipient}>: {Status}: {Detail}", entry.Id, recipient.Address, recipient.Status, recipient.Detail);
        }

        if (failed.Any(r => r.Wants("FAILURE")))
        {
            await NotifyAsync(entry, [.. failed.Where(r => r.Wants("FAILURE"))], delayed: false, raw, now, cancellationToken).ConfigureAwait(false);
        }

        var stillPending = entry.Pending.ToList();
        if (stillPending.Count == 0)
        {
            await queue.RemoveAsync(entry.Id, cancellationToken).ConfigureAwait(false);
            return;
        }

        entry.LastError = stillPending[0].Detail;
        if (!entry.DelayNotified && now - entry.ReceivedAt >= options.DelayNoticeAfter)
        {
            entry.DelayNotified = true;
            var wanting = stillPending.Where(r => r.Wants("DELAY")).ToList();
            if (wanting.Count > 0)
            {
                await NotifyAsync(entry, wanting, delayed: true, raw, now, cancellationToken).ConfigureAwait(false);
            }
        }

        var wait = options.RetryIntervals[Math.Min(entry.Attempts - 1, options.RetryIntervals.Count - 1)];
        var next = now + wait;
        var expiry = entry.ReceivedAt + options.ExpireAfter;
        entry.NextAttempt = next > expiry ? expiry : next;
        await queue.SaveAsync(entry, previous, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Queued message {Id}: {Count} recipients deferred ({Error}); next attempt at {Next:O}", entry.Id, stillPending.Count, entry.LastError, entry.NextAttempt);
    }

    private async Task DeliverLocallyAsync(MemoryStream raw, List<QueueRecipientState> recipients, CancellationToken cancellationToken)
    {
        raw.Position = 0;
        var results = await localDelivery.DeliverAsync(new MemoryStream(raw.GetBuffer(), 0, (int)raw.Length, writable: false), [.. recipients.Select(r => r.Address)], cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var result in results)
        {
            foreach (var recipient in recipients.Where(r => string.Equals(r.Address, result.Address, StringComparison.OrdinalIgnoreCase)))
            {
                (recipient.Status, recipient.StatusCode, recipient.Detail) = result.Status switch
                {
                    RecipientStatus.Delivered => (QueueRecipientState.DeliveredStatus, "2.0.0", "delivered locally"),
                    RecipientStatus.Unknown => (QueueRecipientState.FailedStatus, "5.1.1", "550 5.1.1 user unknown"),
                    RecipientStatus.Disabled => (QueueRecipientState.FailedStatus, "5.2.1", "550 5.2.1 mailbox disabled"),
                    RecipientStatus.OverQuota => (QueueRecipientState.PendingStatus, "4.2.2", "452 4.2.2 mailbox full"),
                    _ => (QueueRecipientState.PendingStatus, "4.3.0", "451 4.3.0 local delivery failed temporarily"),
                };
                recipient.RemoteMta = hostname;
            }
        }
    }

    /// <summary>Delivers to one destination domain (or the relay), trying its hosts in order until one answers for every recipient.</summary>
    private async Task DeliverRouteAsync(QueueEntry entry, MimeMessage message, string domain, List<QueueRecipientState> recipients, CancellationToken cancellationToken)
    {
        var gate = perDomain.GetOrAdd(domain, _ => new SemaphoreSlim(options.MaxConcurrencyPerDomain));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            MailRoute route;
            int port;
            MtaStsPolicy? policy = null;
            if (options.Relay is { } relay)
            {
                route = await ResolveRelayAsync(relay, cancellationToken).ConfigureAwait(false);
                port = relay.Port;
            }
            else
            {
                route = await dns.ResolveAsync(IdnAscii(domain), cancellationToken).ConfigureAwait(false);
                port = options.Port;
                policy = mtaSts is null || route.Error is not null ? null : await mtaSts.GetAsync(IdnAscii(domain), cancellationToken).ConfigureAwait(false);
                if (policy is { Mode: not "none" })
                {
                    var allowed = route.Targets.Where(t => policy.Allows(t.Host)).ToList();
                    if (policy.Enforced)
                    {
                        route = allowed.Count > 0
                            ? route with { Targets = allowed }
                            : MailRoute.Temporary($"4.7.5 no MX host of {domain} matches its MTA-STS policy ({string.Join(", ", policy.Mx)})");
                    }
                    else if (allowed.Count < route.Targets.Count)
                    {
                        logger.LogInformation("MTA-STS (testing) of {Domain}: MX hosts outside the policy: {Hosts}", domain, string.Join(", ", route.Targets.Except(allowed).Select(t => t.Host)));
                    }
                }
            }

            if (route.Error is { } error)
            {
                foreach (var recipient in recipients)
                {
                    recipient.Detail = error;
                    recipient.StatusCode = error[..5];
                    recipient.Status = route.IsPermanent ? QueueRecipientState.FailedStatus : QueueRecipientState.PendingStatus;
                }

                return;
            }

            var open = recipients;
            foreach (var target in route.Targets)
            {
                foreach (var address in target.Addresses)
                {
                    open = [.. open.Where(r => r.Status == QueueRecipientState.PendingStatus)];
                    if (open.Count == 0)
                    {
                        return;
                    }

                    if (await TrySendAsync(entry, message, target.Host, new IPEndPoint(address, port), open, policy?.Enforced == true, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<MailRoute> ResolveRelayAsync(RelayOptions relay, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(relay.Host, out var literal))
        {
            return new MailRoute([new MailTarget(relay.Host, [literal])], null, false);
        }

        var route = await dns.ResolveAsync(relay.Host, cancellationToken).ConfigureAwait(false);
        return route with { Targets = [.. route.Targets.Where(t => string.Equals(t.Host, relay.Host, StringComparison.OrdinalIgnoreCase))] };
    }

    /// <summary>
    /// One SMTP transaction with one address of one host, on an idle connection to it when one is pooled (a stale one
    /// is replaced by a fresh connection once). True when the host gave a final answer for the transaction (so later
    /// hosts are not tried); false when it could not be reached or deferred the whole transaction.
    /// </summary>
    private async Task<bool> TrySendAsync(QueueEntry entry, MimeMessage message, string host, IPEndPoint endpoint, List<QueueRecipientState> recipients, bool verifiedTls, CancellationToken cancellationToken)
    {
        var verifyCertificate = entry.RequireTls || verifiedTls || options.Relay is not null;
        var security = options.Relay is { } relay
            ? relay.Tls switch { RelayTls.Implicit => SecureSocketOptions.SslOnConnect, RelayTls.None => SecureSocketOptions.None, _ => SecureSocketOptions.StartTls }
            : entry.RequireTls || verifiedTls ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable;
        var destination = $"{host}|{endpoint}|{security}|{verifyCertificate}";
        if (pool.TryTake(destination) is { } pooled)
        {
            var outcome = await TransactAsync(entry, message, host, endpoint, recipients, pooled, destination, security, reused: true, cancellationToken).ConfigureAwait(false);
            if (outcome is { } final)
            {
                return final;
            }
        }

        var client = new RemoteSmtpClient
        {
            Timeout = (int)options.CommandTimeout.TotalMilliseconds,
            LocalDomain = options.HeloName ?? hostname,
        };
        client.ServerCertificateValidationCallback = (_, certificate, chain, errors) => !verifyCertificate || trust.IsTrusted(certificate, chain, errors);
        return await TransactAsync(entry, message, host, endpoint, recipients, client, destination, security, reused: false, cancellationToken).ConfigureAwait(false) ?? false;
    }

    /// <summary>
    /// The transaction itself; the client is connected first unless it comes from the pool. Null when a pooled
    /// connection turned out to be dead before the server answered anything (the caller tries a fresh one).
    /// </summary>
    private async Task<bool?> TransactAsync(QueueEntry entry, MimeMessage message, string host, IPEndPoint endpoint, List<QueueRecipientState> recipients, RemoteSmtpClient client, string destination, SecureSocketOptions security, bool reused, CancellationToken cancellationToken)
    {
        var remote = $"{host}[{endpoint.Address}]";
        var keep = false;
        var clean = false;
        void Defer(string detail)
        {
            foreach (var recipient in recipients)
            {
                recipient.Detail = detail;
                recipient.StatusCode = EnhancedCode(detail) ?? "4.4.1";
                recipient.RemoteMta = host;
            }
        }

        Socket? socket = null;
        try
        {
            if (!reused)
            {
                socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    connectTimeout.CancelAfter(options.ConnectTimeout);
                    try
                    {
                        await socket.ConnectAsync(endpoint, connectTimeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        Defer($"4.4.1 connection to {remote}:{endpoint.Port} timed out");
                        return false;
                    }
                }

                await client.ConnectAsync(socket, host, endpoint.Port, security, cancellationToken).ConfigureAwait(false);
                socket = null;
            }

            client.Begin(entry);
            if (entry.RequireTls && !client.Capabilities.HasFlag(SmtpCapabilities.RequireTLS))
            {
                Defer($"5.7.30 {remote} does not support REQUIRETLS, which the sender asked for");
                foreach (var recipient in recipients)
                {
                    recipient.Status = QueueRecipientState.FailedStatus;
                }

                clean = true;
                keep = pool.TryReturn(destination, client);
                return true;
            }

            if (!reused && options.Relay is { Username: { } user, Password: { } password })
            {
                await client.AuthenticateAsync(user, password, cancellationToken).ConfigureAwait(false);
            }

            var sender = entry.From.Length == 0 ? new MailboxAddress(string.Empty, string.Empty) : new MailboxAddress(string.Empty, entry.From);
            var format = FormatOptions.Default.Clone();
            format.International = entry.SmtpUtf8;
            var anyAccepted = true;
            try
            {
                await client.SendAsync(format, message, sender, recipients.Select(r => new MailboxAddress(string.Empty, r.Address)), cancellationToken).ConfigureAwait(false);
            }
            catch (NoRecipientAcceptedException)
            {
                // Every RCPT got its own answer, recorded below.
                anyAccepted = false;
            }

            var anyDeferred = false;
            foreach (var recipient in recipients)
            {
                recipient.RemoteMta = host;
                if (client.Refused.TryGetValue(recipient.Address, out var refusal))
                {
                    var detail = $"{(int)refusal.StatusCode} {refusal.Response}".ReplaceLineEndings(" ");
                    recipient.Detail = detail;
                    recipient.StatusCode = EnhancedCode(refusal.Response) ?? ((int)refusal.StatusCode >= 500 ? "5.0.0" : "4.0.0");
                    if ((int)refusal.StatusCode >= 500)
                    {
                        recipient.Status = QueueRecipientState.FailedStatus;
                    }
                    else
                    {
                        anyDeferred = true;
                    }
                }
                else
                {
                    recipient.Status = QueueRecipientState.DeliveredStatus;
                    recipient.StatusCode = "2.0.0";
                    recipient.Detail = $"delivered to {remote}";
                }
            }

            // A transaction that ended with the message sent leaves the session ready for the next one.
            clean = true;
            keep = anyAccepted && pool.TryReturn(destination, client);
            return !anyDeferred;
        }
        catch (Exception ex) when (reused && client.Refused.Count == 0 && (ex is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException || ex is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable }))
        {
            // The pooled connection was closed by the server while idle (silently, or with 421).
            logger.LogDebug(ex, "An idle connection to {Remote} was gone; opening a new one", remote);
            return null;
        }
        catch (SmtpCommandException ex)
        {
            var detail = $"{(int)ex.StatusCode} {ex.Message}".ReplaceLineEndings(" ");
            if ((int)ex.StatusCode >= 500)
            {
                Defer(detail);
                foreach (var recipient in recipients)
                {
                    recipient.Status = QueueRecipientState.FailedStatus;
                    recipient.StatusCode = EnhancedCode(ex.Message) ?? "5.0.0";
                }

                return true;
            }

            Defer(detail);
            return false;
        }
        catch (NotSupportedException) when (security == SecureSocketOptions.StartTls && !client.IsSecure)
        {
            // STARTTLS is required (REQUIRETLS, an MTA-STS policy in enforce mode, a relay) and the server does not offer it.
            if (entry.RequireTls && options.Relay is null)
            {
                Defer($"5.7.30 {remote} does not offer STARTTLS, which REQUIRETLS needs");
                foreach (var recipient in recipients)
                {
                    recipient.Status = QueueRecipientState.FailedStatus;
                }

                return true;
            }

            Defer($"4.7.5 {remote} does not offer STARTTLS, which {(options.Relay is null ? "the domain's MTA-STS policy" : "the relay setting")} requires; the message is not sent in clear");
            return false;
        }
        catch (Exception ex) when (ex is TimeoutException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Defer($"4.4.2 {remote} did not answer within {options.CommandTimeout.TotalSeconds:0} s");
            return false;
        }
        catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SslHandshakeException or AuthenticationException or ServiceNotConnectedException or ServiceNotAuthenticatedException)
        {
            Defer($"4.4.2 {remote}: {ex.GetType().Name}: {ex.Message}".ReplaceLineEndings(" "));
            return false;
        }
        finally
        {
            socket?.Dispose();
            if (!keep && clean)
            {
                await SmtpConnectionPool.CloseAsync(client, CancellationToken.None).ConfigureAwait(false);
            }
            else if (!keep)
            {
                // After a failure the session is in an unknown state: close it without waiting on the server.
                client.Dispose();
            }
        }
    }

    private async Task NotifyAsync(QueueEntry entry, IReadOnlyList<QueueRecipientState> recipients, bool delayed, MemoryStream raw, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (entry.From.Length == 0)
        {
            logger.LogInformation("Queued message {Id} is itself a notification (null sender): no {Kind} notice is sent", entry.Id, delayed ? "delay" : "failure");
            return;
        }

        try
        {
            var report = DeliveryReports.Build(entry, recipients, delayed, hostname, raw, now, delayed ? entry.ReceivedAt + options.ExpireAfter : null);
            using var buffer = new MemoryStream();
            await report.WriteToAsync(FormatOptions.Default, buffer, cancellationToken).ConfigureAwait(false);
            buffer.Position = 0;
            var domains = await directory.ListDomainsAsync(cancellationToken).ConfigureAwait(false);
            if (domains.Contains(DomainOf(entry.From), StringComparer.OrdinalIgnoreCase))
            {
                var results = await localDelivery.DeliverAsync(buffer, [entry.From], cancellationToken: cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Queued message {Id}: {Kind} notice to <{Sender}>: {Status}", entry.Id, delayed ? "delay" : "failure", entry.From, results[0].Status);
            }
            else
            {
                var id = await queue.EnqueueAsync(
                    new QueuedEnvelope
                    {
                        From = string.Empty,
                        Recipients = [new Mail.QueuedRecipient { Address = entry.From, Notify = "NEVER" }],
                        ReceivedAt = now,
                        Client = "127.0.0.1",
                        Helo = hostname,
                    },
                    buffer,
                    cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Queued message {Id}: {Kind} notice to <{Sender}> queued as {Notice}", entry.Id, delayed ? "delay" : "failure", entry.From, id);
            }
        }
        catch (Exception ex) when (ex is StoreUnavailableException or DirectoryUnavailableException or MailException or FormatException or ParseException)
        {
            logger.LogWarning(ex, "Queued message {Id}: the {Kind} notice to <{Sender}> could not be made", entry.Id, delayed ? "delay" : "failure", entry.From);
        }
    }

    private static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? string.Empty : address[(at + 1)..];
    }

    private static string IdnAscii(string domain)
    {
        try
        {
            return new System.Globalization.IdnMapping().GetAscii(domain);
        }
        catch (ArgumentException)
        {
            return domain;
        }
    }

    private static string? EnhancedCode(string text)
    {
        var match = EnhancedCodePattern().Match(text);
        return match.Success ? match.Value : null;
    }

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex EnhancedCodePattern();
}

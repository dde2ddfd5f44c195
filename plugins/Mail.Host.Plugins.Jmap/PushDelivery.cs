using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// Pushes to PushSubscription URLs (RFC 8620 §7.2): the PushVerification when a subscription is created, then, once
/// the client has set the verification code, a StateChange whenever a type it subscribed to changes in its account.
/// Changes that come close together are coalesced into one POST; an expired subscription gets nothing. Accounts with
/// subscriptions are listed in the data store (subspace <c>jmap_push</c>, key account + subscription id), so the
/// pushes resume after a restart; when several host processes share the stores, each StateChange is claimed in the
/// lookup store so only one of them sends it.
/// </summary>
internal sealed class PushDelivery(JmapServer jmap, ILogger log)
{
    public const string IndexSubspace = "jmap_push";

    /// <summary>How long changes are gathered before one StateChange is sent.</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(250);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly ConcurrentDictionary<ulong, AccountPushes> accounts = new();
    private readonly JmapServer server = jmap;
    private readonly ILogger logger = log;

    /// <summary>Whether a URL may receive pushes: https, or http to a loopback address when the settings allow it.</summary>
    public bool IsAllowed(Uri uri)
        => uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && server.Options.AllowHttpPushToLoopback && uri.IsLoopback);

    /// <summary>Loads every account that has subscriptions and starts watching it.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var seen = new HashSet<ulong>();
        await foreach (var entry in server.Stores.Data.ScanAsync(IndexSubspace, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            if (entry.Key.Length == 16)
            {
                seen.Add(BinaryPrimitives.ReadUInt64BigEndian(entry.Key));
            }
        }

        foreach (var account in seen)
        {
            await RefreshAsync(account, cancellationToken).ConfigureAwait(false);
        }

        if (seen.Count > 0)
        {
            logger.LogInformation("JMAP push subscriptions loaded for {Count} accounts", seen.Count);
        }
    }

    /// <summary>Records a new subscription in the index.</summary>
    public async Task AddToIndexAsync(ulong account, ulong id, CancellationToken cancellationToken)
        => await server.Stores.Data.CommitAsync(new WriteBatch().Set(IndexSubspace, IndexKey(account, id), []), cancellationToken).ConfigureAwait(false);

    /// <summary>Removes a destroyed subscription from the index.</summary>
    public async Task RemoveFromIndexAsync(ulong account, ulong id, CancellationToken cancellationToken)
        => await server.Stores.Data.CommitAsync(new WriteBatch().Delete(IndexSubspace, IndexKey(account, id)), cancellationToken).ConfigureAwait(false);

    /// <summary>Reloads an account's subscriptions (after PushSubscription/set) and watches or stops watching it.</summary>
    public async Task RefreshAsync(ulong account, CancellationToken cancellationToken)
    {
        var all = await server.Objects.ListAsync(account, JmapObjectKind.PushSubscription, false, cancellationToken).ConfigureAwait(false);
        var verified = all.Where(e => e.Value["verified"]?.GetValue<bool>() == true).ToList();
        if (verified.Count == 0)
        {
            if (accounts.TryRemove(account, out var gone))
            {
                await gone.DisposeAsync().ConfigureAwait(false);
            }

            return;
        }

        var pushes = accounts.GetOrAdd(account, a => new AccountPushes(this, a));
        await pushes.UpdateAsync(verified, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Something of a JMAP-only type changed in the account (Identity, EmailSubmission...).</summary>
    public void Changed(ulong account)
    {
        if (accounts.TryGetValue(account, out var pushes))
        {
            pushes.Schedule();
        }
    }

    /// <summary>
    /// POSTs a push object as RFC 8620 §7.2 asks: JSON, with a TTL header; encrypted for the subscription's client
    /// (RFC 8291, <c>Content-Encoding: aes128gcm</c>) when it gave <c>keys</c>.
    /// </summary>
    public async Task<bool> PostAsync(string url, JsonObject body, JsonNode? keys, CancellationToken cancellationToken)
    {
        var json = Encoding.UTF8.GetBytes(body.ToJsonString());
        ByteArrayContent content;
        if (keys is not null)
        {
            if (!WebPushEncryption.TryParseKeys(keys, out var publicKey, out var auth, out var error) || json.Length > WebPushEncryption.MaxPlaintext)
            {
                logger.LogInformation("The push to {Url} was not sent: {Error}", url, json.Length > WebPushEncryption.MaxPlaintext ? "too large for one encrypted record" : error);
                return false;
            }

            content = new ByteArrayContent(WebPushEncryption.Encrypt(json, publicKey, auth));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentEncoding.Add("aes128gcm");
        }
        else
        {
            content = new ByteArrayContent(json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        using var owned = content;
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.TryAddWithoutValidation("TTL", "43200");
        try
        {
            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogInformation("The push to {Url} was answered {Status}", url, (int)response.StatusCode);
            }

            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            logger.LogInformation("The push to {Url} failed: {Error}", url, ex.Message);
            return false;
        }
    }

    private static byte[] IndexKey(ulong account, ulong id)
    {
        var key = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), id);
        return key;
    }

    /// <summary>One account's verified subscriptions, the states each was last sent, and the engine subscription.</summary>
    private sealed class AccountPushes(PushDelivery owner, ulong account) : IAsyncDisposable
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private readonly Dictionary<ulong, Subscription> subscriptions = [];
        private IAsyncDisposable? engineSubscription;
        private int scheduled;
        private int delivered;
        private bool disposed;

        public async Task UpdateAsync(List<JmapObjects.Entry> verified, CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var states = await JmapStates.AllAsync(owner.server, account, cancellationToken).ConfigureAwait(false);
                var ids = verified.Select(e => e.Id).ToHashSet();
                foreach (var id in subscriptions.Keys.Where(id => !ids.Contains(id)).ToList())
                {
                    subscriptions.Remove(id);
                }

                foreach (var entry in verified)
                {
                    var url = entry.Value["url"]?.GetValue<string>() ?? string.Empty;
                    var types = entry.Value["types"] is JsonArray list ? list.Select(t => t?.ToString() ?? string.Empty).ToHashSet(StringComparer.Ordinal) : null;
                    var expires = DateTimeOffset.TryParse(entry.Value["expires"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var e) ? e : DateTimeOffset.MaxValue;
                    var keys = entry.Value["keys"]?.DeepClone();
                    if (subscriptions.TryGetValue(entry.Id, out var existing))
                    {
                        existing.Keys = keys;
                        existing.Url = url;
                        existing.Types = types;
                        existing.Expires = expires;
                    }
                    else
                    {
                        // A newly verified subscription hears of changes from now on.
                        subscriptions[entry.Id] = new Subscription { Id = entry.Id, Url = url, Keys = keys, Types = types, Expires = expires, LastSent = new(states) };
                    }
                }

                engineSubscription ??= await owner.server.Engine.SubscribeAsync(account, (notification, _) =>
                {
                    if (notification.Kinds.HasFlag(MailEventKinds.MessagesAdded) || notification.Kinds.HasFlag(MailEventKinds.Unknown))
                    {
                        Volatile.Write(ref delivered, 1);
                    }

                    Schedule();
                    return ValueTask.CompletedTask;
                }, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }

        /// <summary>Sends the changes after a short pause that gathers whatever else changes meanwhile.</summary>
        public void Schedule()
        {
            if (Interlocked.Exchange(ref scheduled, 1) == 1)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                await Task.Delay(Coalesce).ConfigureAwait(false);
                Volatile.Write(ref scheduled, 0);
                try
                {
                    await SendAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    owner.logger.LogWarning(ex, "JMAP push for account {Account} failed", account);
                }
            });
        }

        public async ValueTask DisposeAsync()
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                disposed = true;
                if (engineSubscription is not null)
                {
                    await engineSubscription.DisposeAsync().ConfigureAwait(false);
                    engineSubscription = null;
                }
            }
            finally
            {
                gate.Release();
            }
        }

        private async Task SendAsync(CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (disposed || subscriptions.Count == 0)
                {
                    return;
                }

                var states = await JmapStates.AllAsync(owner.server, account, cancellationToken).ConfigureAwait(false);
                var newMail = Interlocked.Exchange(ref delivered, 0) == 1;
                var now = DateTimeOffset.UtcNow;
                foreach (var subscription in subscriptions.Values)
                {
                    var current = new Dictionary<string, string>(states, StringComparer.Ordinal);

                    // EmailDelivery moves only for new mail, not for every change of the Email state (RFC 8621 §1.5).
                    if (!newMail && subscription.LastSent.TryGetValue("EmailDelivery", out var lastDelivery))
                    {
                        current["EmailDelivery"] = lastDelivery;
                    }

                    var changed = current
                        .Where(p => (subscription.Types is null || subscription.Types.Contains(p.Key)) && (!subscription.LastSent.TryGetValue(p.Key, out var old) || old != p.Value))
                        .ToDictionary();
                    subscription.LastSent = current;
                    if (changed.Count == 0 || now >= subscription.Expires || !Uri.TryCreate(subscription.Url, UriKind.Absolute, out var uri) || !owner.IsAllowed(uri))
                    {
                        continue;
                    }

                    // Several processes hear the same change; the first to claim it sends it.
                    var fingerprint = string.Join(';', changed.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
                    var claim = $"jmap:push:{account.ToString(CultureInfo.InvariantCulture)}:{subscription.Id.ToString(CultureInfo.InvariantCulture)}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)).AsSpan(0, 12))}";
                    if (await owner.server.Stores.Lookup.IncrementAsync(claim, 1, TimeSpan.FromHours(1), cancellationToken).ConfigureAwait(false) != 1)
                    {
                        continue;
                    }

                    var body = new JsonObject
                    {
                        ["@type"] = "StateChange",
                        ["changed"] = new JsonObject
                        {
                            [JmapIds.Account(account)] = new JsonObject(changed.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                        },
                    };
                    await owner.PostAsync(subscription.Url, body, subscription.Keys, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private sealed class Subscription
    {
        public required ulong Id { get; init; }

        public required string Url { get; set; }

        public HashSet<string>? Types { get; set; }

        /// <summary>The client's RFC 8291 keys, or <see langword="null"/> for pushes in the clear.</summary>
        public JsonNode? Keys { get; set; }

        public DateTimeOffset Expires { get; set; }

        public required Dictionary<string, string> LastSent { get; set; }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Mail.Host.Mail;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// Push (RFC 8620 §7): StateChange events over EventSource (§7.3, with <c>types</c>, <c>closeafter</c> and
/// <c>ping</c>) and over the WebSocket transport (RFC 8887, with WebSocketPushEnable/Disable). Each connection
/// subscribes to the engine's change notifications for its account (which reach every host process) and to this
/// plugin's own object changes, then sends the states that moved.
/// </summary>
internal sealed class JmapPush(JmapServer server, ILogger logger)
{
    /// <summary>The longest EventSource ping interval; a larger request is lowered to it (RFC 8620 §7.3).</summary>
    public const int MaxPingSeconds = 3600;

    private readonly ILogger log = logger;

    private readonly ConcurrentDictionary<ulong, Action<string>?> objectListeners = new();

    /// <summary>Tells the connections of an account that a JMAP-only type changed (Identity, EmailSubmission...).</summary>
    public void ObjectChanged(ulong account, string type)
    {
        server.PushDelivery.Changed(account);
        if (objectListeners.TryGetValue(account, out var listeners))
        {
            listeners?.Invoke(type);
        }
    }

    public async Task EventSourceAsync(HttpContext http)
    {
        var auth = await server.Auth.AuthenticateAsync(http).ConfigureAwait(false);
        if (auth.User is not { } user)
        {
            await JmapRoutes.WriteAuthFailureAsync(http, auth).ConfigureAwait(false);
            return;
        }

        var query = http.Request.Query;
        var typesText = query["types"].ToString();
        HashSet<string>? types = null;
        if (typesText.Length > 0 && typesText != "*")
        {
            types = new HashSet<string>(typesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
            if (types.Any(t => !JmapStates.PushTypes.Contains(t)))
            {
                await JmapProblem.WriteHttpAsync(http, 400, $"'types' must be '*' or a comma-separated list of {string.Join(", ", JmapStates.PushTypes)}.").ConfigureAwait(false);
                return;
            }
        }

        var closeAfter = query["closeafter"].ToString();
        if (closeAfter.Length > 0 && closeAfter is not ("state" or "no"))
        {
            await JmapProblem.WriteHttpAsync(http, 400, "'closeafter' must be 'state' or 'no'.").ConfigureAwait(false);
            return;
        }

        var pingText = query["ping"].ToString();
        var ping = 0;
        if (pingText.Length > 0)
        {
            if (!ulong.TryParse(pingText, NumberStyles.None, CultureInfo.InvariantCulture, out var requestedPing))
            {
                await JmapProblem.WriteHttpAsync(http, 400, "'ping' must be a whole number of seconds (0 for no pings).").ConfigureAwait(false);
                return;
            }

            // RFC 8620 §7.3: the server may bound the interval; the ping events report the one used.
            ping = (int)Math.Min(requestedPing, MaxPingSeconds);
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var aborted = http.RequestAborted;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var writeLock = new SemaphoreSlim(1, 1);

        async Task WriteAsync(string text)
        {
            await writeLock.WaitAsync(done.Token).ConfigureAwait(false);
            try
            {
                await http.Response.WriteAsync(text, done.Token).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(done.Token).ConfigureAwait(false);
            }
            finally
            {
                writeLock.Release();
            }
        }

        var closeAfterState = closeAfter == "state";
        await using var channel = await Channel.OpenAsync(this, server, user, types, async change =>
        {
            await WriteAsync("event: state\ndata: " + change.ToJsonString() + "\n\n").ConfigureAwait(false);
            if (closeAfterState)
            {
                await done.CancelAsync().ConfigureAwait(false);
            }
        }, aborted).ConfigureAwait(false);

        try
        {
            if (!closeAfterState)
            {
                await channel.SendCurrentAsync().ConfigureAwait(false);
            }
            else
            {
                await WriteAsync(": connected\n\n").ConfigureAwait(false);
            }

            while (!done.IsCancellationRequested)
            {
                await Task.Delay(ping > 0 ? TimeSpan.FromSeconds(ping) : Timeout.InfiniteTimeSpan, done.Token).ConfigureAwait(false);
                await WriteAsync("event: ping\ndata: {\"interval\":" + ping.ToString(CultureInfo.InvariantCulture) + "}\n\n").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    public async Task WebSocketAsync(HttpContext http)
    {
        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        var key = http.Request.Headers["Sec-WebSocket-Key"].ToString();
        if (upgrade is not { IsUpgradableRequest: true } || !http.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase) || key.Length == 0)
        {
            await JmapProblem.WriteHttpAsync(http, StatusCodes.Status426UpgradeRequired, "This endpoint speaks JMAP over WebSocket (RFC 8887): send a WebSocket upgrade with the 'jmap' subprotocol.").ConfigureAwait(false);
            return;
        }

        if (http.Request.Headers["Sec-WebSocket-Version"].ToString() != "13")
        {
            http.Response.Headers["Sec-WebSocket-Version"] = "13";
            await JmapProblem.WriteHttpAsync(http, StatusCodes.Status426UpgradeRequired, "Only WebSocket version 13 is supported.").ConfigureAwait(false);
            return;
        }

        var protocols = http.Request.Headers["Sec-WebSocket-Protocol"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (!protocols.Contains("jmap"))
        {
            await JmapProblem.WriteHttpAsync(http, StatusCodes.Status400BadRequest, "The WebSocket subprotocol 'jmap' is required (RFC 8887 §4.1).").ConfigureAwait(false);
            return;
        }

        var auth = await server.Auth.AuthenticateAsync(http).ConfigureAwait(false);
        if (auth.User is not { } user)
        {
            await JmapRoutes.WriteAuthFailureAsync(http, auth).ConfigureAwait(false);
            return;
        }

        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        http.Response.Headers.Connection = "Upgrade";
        http.Response.Headers.Upgrade = "websocket";
        http.Response.Headers["Sec-WebSocket-Accept"] = accept;
        http.Response.Headers["Sec-WebSocket-Protocol"] = "jmap";
        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, SubProtocol = "jmap", KeepAliveInterval = TimeSpan.FromSeconds(30) });
        await new JmapWebSocketSession(server, http.RequestServices.GetRequiredService<JmapApi>(), this, user, socket, log).RunAsync(http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>One push connection's subscription: engine notifications and JMAP object changes, turned into StateChange objects.</summary>
    internal sealed class Channel : IAsyncDisposable
    {
        private readonly JmapPush push;
        private readonly JmapServer server;
        private readonly JmapUser user;
        private readonly Func<JsonObject, Task> send;
        private readonly SemaphoreSlim gate = new(1, 1);
        private readonly CancellationToken cancellationToken;
        private Dictionary<string, string>? lastSent;
        private IAsyncDisposable? subscription;
        private Action<string>? objectListener;

        private Channel(JmapPush push, JmapServer server, JmapUser user, HashSet<string>? types, Func<JsonObject, Task> send, CancellationToken cancellationToken)
        {
            this.push = push;
            this.server = server;
            this.user = user;
            Types = types;
            this.send = send;
            this.cancellationToken = cancellationToken;
        }

        /// <summary>The types to report; null for all.</summary>
        public HashSet<string>? Types { get; set; }

        /// <summary>Whether each StateChange carries a <c>pushState</c> (RFC 8887 §4.3.5.1, the WebSocket transport).</summary>
        public bool WithPushState { get; init; }

        /// <summary>
        /// A short token for every state of the account at once: equal tokens mean nothing changed (RFC 8887's pushState
        /// "encodes the entire server state visible to the user").
        /// </summary>
        public static string PushState(IReadOnlyDictionary<string, string> states)
        {
            var text = new StringBuilder();
            // EmailDelivery is left out: it only ever moves with Email, and a channel reports it only for deliveries.
            foreach (var (type, state) in states.Where(p => p.Key != "EmailDelivery").OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.Append(type).Append('=').Append(state).Append('\n');
            }

            return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..20].ToLowerInvariant();
        }

        /// <summary>
        /// RFC 8887 §4.3.5.2: given the pushState a client last saw, sends the states (of the types asked for) when the
        /// account moved on since, and nothing when it did not.
        /// </summary>
        public async Task SendSinceAsync(string pushState)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var states = await JmapStates.AllAsync(server, user.AccountId, cancellationToken).ConfigureAwait(false);
                lastSent = states;
                if (PushState(states) != pushState)
                {
                    var filtered = states.Where(p => Types is null || Types.Contains(p.Key)).ToDictionary();
                    await send(StateChange(filtered)).ConfigureAwait(false);
                }
            }
            finally
            {
                gate.Release();
            }
        }

        public static async Task<Channel> OpenAsync(JmapPush push, JmapServer server, JmapUser user, HashSet<string>? types, Func<JsonObject, Task> send, CancellationToken cancellationToken, bool withPushState = false)
        {
            var channel = new Channel(push, server, user, types, send, cancellationToken) { WithPushState = withPushState };
            channel.lastSent = await JmapStates.AllAsync(server, user.AccountId, cancellationToken).ConfigureAwait(false);
            channel.subscription = await server.Engine.SubscribeAsync(user.AccountId, async (notification, ct) =>
            {
                await channel.CheckAsync(notification.Kinds.HasFlag(MailEventKinds.MessagesAdded) || notification.Kinds.HasFlag(MailEventKinds.Unknown)).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            channel.objectListener = type => Task.Run(() => channel.CheckAsync(false));
            push.objectListeners.AddOrUpdate(user.AccountId, channel.objectListener, (_, existing) => existing + channel.objectListener);
            return channel;
        }

        /// <summary>Sends every state now, changed or not (the first event of an EventSource stream, or pushState).</summary>
        public async Task SendCurrentAsync()
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var states = await JmapStates.AllAsync(server, user.AccountId, cancellationToken).ConfigureAwait(false);
                lastSent = states;
                var filtered = states.Where(p => Types is null || Types.Contains(p.Key)).ToDictionary();
                await send(StateChange(filtered)).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }

        public async Task CheckAsync(bool delivered)
        {
            try
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                var states = await JmapStates.AllAsync(server, user.AccountId, cancellationToken).ConfigureAwait(false);
                var previous = lastSent ?? [];
                if (!delivered && previous.TryGetValue("EmailDelivery", out var delivery))
                {
                    states["EmailDelivery"] = delivery;
                }

                var changed = states.Where(p => (!previous.TryGetValue(p.Key, out var old) || old != p.Value) && (Types is null || Types.Contains(p.Key))).ToDictionary();
                lastSent = states;
                if (changed.Count > 0)
                {
                    await send(StateChange(changed)).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or WebSocketException or ObjectDisposedException)
            {
            }
            catch (Exception ex)
            {
                push.log.LogWarning(ex, "JMAP push for {User} failed", user.Name);
            }
            finally
            {
                gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (objectListener is not null)
            {
                push.objectListeners.AddOrUpdate(user.AccountId, (Action<string>?)null, (_, existing) => existing - objectListener);
            }

            if (subscription is not null)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }

        private JsonObject StateChange(Dictionary<string, string> states)
        {
            var change = new JsonObject
            {
                ["@type"] = "StateChange",
                ["changed"] = new JsonObject
                {
                    [user.AccountKey] = new JsonObject(states.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                },
            };
            if (WithPushState && lastSent is not null)
            {
                change["pushState"] = PushState(lastSent);
            }

            return change;
        }
    }
}

using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Mail.Host.Plugins.Jmap;

/// <summary>The session resource (RFC 8620 §2) with every capability and its limits.</summary>
internal static class JmapSession
{
    public static string BaseUrl(JmapServer server, HttpRequest request)
        => server.Options.BaseUrl ?? $"{request.Scheme}://{request.Host}";

    /// <summary>Changes only when what the session describes changes (the user's accounts and capabilities).</summary>
    public static string SessionState(JmapUser user)
        => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("v1\0" + user.Name + "\0" + user.AccountKey)))[..16].ToLowerInvariant();

    public static JsonObject Build(JmapServer server, JmapUser user, HttpRequest request)
    {
        var options = server.Options;
        var baseUrl = BaseUrl(server, request);
        var wsUrl = (baseUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? "wss:" + baseUrl[6..] : "ws:" + baseUrl[5..]) + "/jmap/ws";
        var capabilities = new JsonObject
        {
            [JmapCapabilities.Core] = new JsonObject
            {
                ["maxSizeUpload"] = options.MaxSizeUpload,
                ["maxConcurrentUpload"] = options.MaxConcurrentUpload,
                ["maxSizeRequest"] = options.MaxSizeRequest,
                ["maxConcurrentRequests"] = options.MaxConcurrentRequests,
                ["maxCallsInRequest"] = options.MaxCallsInRequest,
                ["maxObjectsInGet"] = options.MaxObjectsInGet,
                ["maxObjectsInSet"] = options.MaxObjectsInSet,
                ["collationAlgorithms"] = new JsonArray("i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap"),
            },
            [JmapCapabilities.Mail] = new JsonObject(),
            [JmapCapabilities.Submission] = new JsonObject(),
            [JmapCapabilities.Vacation] = new JsonObject(),
            [JmapCapabilities.WebSocket] = new JsonObject { ["url"] = wsUrl, ["supportsPush"] = true },
            [JmapCapabilities.Blob] = new JsonObject(),
            [JmapCapabilities.Quota] = new JsonObject(),
        };
        var accountCapabilities = new JsonObject
        {
            [JmapCapabilities.Core] = new JsonObject(),
            [JmapCapabilities.Mail] = new JsonObject
            {
                ["maxMailboxesPerEmail"] = null,
                ["maxMailboxDepth"] = null,
                ["maxSizeMailboxName"] = 255,
                ["maxSizeAttachmentsPerEmail"] = options.MaxSizeUpload,
                ["emailQuerySortOptions"] = new JsonArray([.. EmailMethods.SortProperties.Select(p => (JsonNode)p)]),
                ["mayCreateTopLevelMailbox"] = true,
            },
            [JmapCapabilities.Submission] = new JsonObject
            {
                ["maxDelayedSend"] = 0,
                ["submissionExtensions"] = new JsonObject(),
            },
            [JmapCapabilities.Vacation] = new JsonObject(),
            [JmapCapabilities.Blob] = new JsonObject
            {
                ["maxSizeBlobSet"] = options.MaxSizeUpload,
                ["maxDataSources"] = 64,
                ["supportedTypeNames"] = new JsonArray("Email", "Mailbox", "Thread"),
                ["supportedDigestAlgorithms"] = new JsonArray("sha", "sha-256"),
            },
            [JmapCapabilities.Quota] = new JsonObject(),
        };
        var primary = new JsonObject();
        foreach (var capability in new[] { JmapCapabilities.Core, JmapCapabilities.Mail, JmapCapabilities.Submission, JmapCapabilities.Vacation, JmapCapabilities.Blob, JmapCapabilities.Quota })
        {
            primary[capability] = user.AccountKey;
        }

        return new JsonObject
        {
            ["capabilities"] = capabilities,
            ["accounts"] = new JsonObject
            {
                [user.AccountKey] = new JsonObject
                {
                    ["name"] = user.Principal.PrimaryAddress ?? user.Name,
                    ["isPersonal"] = true,
                    ["isReadOnly"] = false,
                    ["accountCapabilities"] = accountCapabilities,
                },
            },
            ["primaryAccounts"] = primary,
            ["username"] = user.Name,
            ["apiUrl"] = baseUrl + "/jmap/api/",
            ["downloadUrl"] = baseUrl + "/jmap/download/{accountId}/{blobId}/{name}?accept={type}",
            ["uploadUrl"] = baseUrl + "/jmap/upload/{accountId}/",
            ["eventSourceUrl"] = baseUrl + "/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}",
            ["state"] = SessionState(user),
        };
    }
}

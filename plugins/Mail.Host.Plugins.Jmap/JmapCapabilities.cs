namespace Mail.Host.Plugins.Jmap;

/// <summary>The capability URIs this server supports.</summary>
internal static class JmapCapabilities
{
    public const string Core = "urn:ietf:params:jmap:core";
    public const string Mail = "urn:ietf:params:jmap:mail";
    public const string Submission = "urn:ietf:params:jmap:submission";
    public const string Vacation = "urn:ietf:params:jmap:vacationresponse";
    public const string WebSocket = "urn:ietf:params:jmap:websocket";
    public const string Blob = "urn:ietf:params:jmap:blob";
    public const string Quota = "urn:ietf:params:jmap:quota";

    public static readonly string[] All = [Core, Mail, Submission, Vacation, WebSocket, Blob, Quota];
}

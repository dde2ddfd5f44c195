using System.Net;

namespace Mail.Host.Outbound;

/// <summary>One host to deliver to: its name (for TLS and logs) and its addresses.</summary>
internal sealed record MailTarget(string Host, IReadOnlyList<IPAddress> Addresses);

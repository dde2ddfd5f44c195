namespace Mail.Host.IntegrationTests;

/// <summary>A message a <see cref="FakeServer"/> accepted: the envelope sender (empty for the null path <c>&lt;&gt;</c>), the recipients and the content.</summary>
/// <param name="From">The MAIL FROM path, without angle brackets.</param>
/// <param name="To">The RCPT TO paths.</param>
/// <param name="Data">The content as sent, dot-unstuffed, with CRLF line ends.</param>
public sealed record ReceivedMessage(string From, IReadOnlyList<string> To, string Data);

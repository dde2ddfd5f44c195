using Mail.Host.Mail;

namespace Mail.Host.Engine.Mail;

/// <summary>What one parse of a message yields: its metadata and, when asked for, the body text to index.</summary>
/// <param name="Metadata">The stored description of the message.</param>
/// <param name="BodyText">The text of its bodies (see <see cref="MessageParser.BodyText"/>), or <see langword="null"/> when not extracted.</param>
internal sealed record ParsedMessage(MessageMetadata Metadata, string? BodyText);

namespace Mail.Host.Mail;

/// <summary>
/// One metadata entry of a mailbox or of the server (RFC 5464). Names start with <c>/private/</c> (seen only by the
/// account that wrote it) or <c>/shared/</c> (seen by every account that may read the mailbox, or by every account
/// for server entries); they are compared case-insensitively and kept in lower case.
/// </summary>
/// <param name="Name">The entry name, e.g. <c>/private/comment</c>.</param>
/// <param name="Value">The value's bytes; <see langword="null"/> in a change removes the entry.</param>
public sealed record MetadataEntry(string Name, byte[]? Value);

namespace Mail.Host.Engine.Mail;

/// <summary>The kind of object a <see cref="ChangeKind"/> is about.</summary>
internal enum ChangeTarget : byte
{
    Email,
    Mailbox,
    Thread,
    Metadata,
}

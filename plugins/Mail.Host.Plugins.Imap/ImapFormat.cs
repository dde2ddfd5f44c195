using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>ENVELOPE and BODYSTRUCTURE from the stored metadata (RFC 9051 §7.5.2).</summary>
internal static class ImapFormat
{
    public static void AppendEnvelope(StringBuilder builder, MessageEnvelope envelope, bool utf8)
    {
        builder.Append('(');
        builder.AppendString(envelope.Date is { } date ? ImapText.Rfc5322Date(date) : null, utf8).Append(' ');
        builder.AppendString(envelope.Subject, utf8).Append(' ');
        AppendAddresses(builder, envelope, "from", envelope.From, utf8);
        builder.Append(' ');
        if (envelope.Sender.Count > 0)
        {
            AppendAddresses(builder, envelope, "sender", envelope.Sender, utf8);
        }
        else
        {
            AppendAddresses(builder, envelope, "from", envelope.From, utf8);
        }

        builder.Append(' ');
        if (envelope.ReplyTo.Count > 0 || envelope.Groups.Any(g => g.Field == "reply-to"))
        {
            AppendAddresses(builder, envelope, "reply-to", envelope.ReplyTo, utf8);
        }
        else
        {
            AppendAddresses(builder, envelope, "from", envelope.From, utf8);
        }

        builder.Append(' ');
        AppendAddresses(builder, envelope, "to", envelope.To, utf8);
        builder.Append(' ');
        AppendAddresses(builder, envelope, "cc", envelope.Cc, utf8);
        builder.Append(' ');
        AppendAddresses(builder, envelope, "bcc", envelope.Bcc, utf8);
        builder.Append(' ');
        builder.AppendString(envelope.InReplyTo.Count > 0 ? string.Join(' ', envelope.InReplyTo.Select(Bracket)) : null, utf8).Append(' ');
        builder.AppendString(envelope.MessageId is { } id ? Bracket(id) : null, utf8);
        builder.Append(')');
    }

    public static void AppendBodyStructure(StringBuilder builder, MessagePart part, bool extensible, bool utf8)
    {
        builder.Append('(');
        if (part.MediaType == "multipart")
        {
            if (part.Children.Count == 0)
            {
                // A multipart without parts is shown as an empty text part, as the grammar needs one.
                builder.Append("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
            }

            foreach (var child in part.Children)
            {
                AppendBodyStructure(builder, child, extensible, utf8);
            }

            builder.Append(' ').AppendString(part.MediaSubtype, utf8);
            if (extensible)
            {
                builder.Append(' ');
                AppendParameters(builder, part.Parameters, utf8);
                builder.Append(' ');
                AppendDisposition(builder, part, utf8);
                builder.Append(' ');
                AppendLanguage(builder, part, utf8);
                builder.Append(' ').AppendString(part.ContentLocation, utf8);
            }

            builder.Append(')');
            return;
        }

        builder.AppendString(part.MediaType, utf8).Append(' ').AppendString(part.MediaSubtype, utf8).Append(' ');
        var parameters = part.Parameters;
        if (parameters.Count == 0 && part.MediaType == "text")
        {
            parameters = [new("charset", "us-ascii")];
        }

        AppendParameters(builder, parameters, utf8);
        builder.Append(' ').AppendString(part.ContentId is { } cid ? Bracket(cid) : null, utf8);
        builder.Append(' ').AppendString(part.ContentDescription, utf8);
        builder.Append(' ').AppendString(part.TransferEncoding ?? "7bit", utf8);
        builder.Append(' ').Append(part.BodySize);
        if (part.MediaType == "message" && part.MediaSubtype is "rfc822" or "global" && part.Children.Count == 1)
        {
            builder.Append(' ');
            AppendEnvelope(builder, part.Envelope ?? new MessageEnvelope(), utf8);
            builder.Append(' ');
            AppendBodyStructure(builder, part.Children[0], extensible, utf8);
            builder.Append(' ').Append(part.Lines);
        }
        else if (part.MediaType == "text")
        {
            builder.Append(' ').Append(part.Lines);
        }

        if (extensible)
        {
            builder.Append(" NIL ");
            AppendDisposition(builder, part, utf8);
            builder.Append(' ');
            AppendLanguage(builder, part, utf8);
            builder.Append(' ').AppendString(part.ContentLocation, utf8);
        }

        builder.Append(')');
    }

    private static string Bracket(string id) => id.StartsWith('<') ? id : "<" + id + ">";

    /// <summary>
    /// An address list of ENVELOPE (RFC 9051 §7.5.2), with each group shown as its start (NIL NIL "name" NIL), its
    /// members and its end (NIL NIL NIL NIL).
    /// </summary>
    private static void AppendAddresses(StringBuilder builder, MessageEnvelope envelope, string field, IReadOnlyList<EmailAddress> addresses, bool utf8)
    {
        var groups = envelope.Groups.Count == 0 ? [] : envelope.Groups.Where(g => g.Field == field).ToList();
        if (addresses.Count == 0 && groups.Count == 0)
        {
            builder.Append("NIL");
            return;
        }

        builder.Append('(');
        var next = 0;
        foreach (var group in groups)
        {
            var start = Math.Clamp(group.Start, next, addresses.Count);
            var end = Math.Clamp(group.Start + group.Count, start, addresses.Count);
            for (; next < start; next++)
            {
                AppendAddress(builder, addresses[next], utf8);
            }

            builder.Append("(NIL NIL ").AppendString(group.Name, utf8).Append(" NIL)");
            for (; next < end; next++)
            {
                AppendAddress(builder, addresses[next], utf8);
            }

            builder.Append("(NIL NIL NIL NIL)");
        }

        for (; next < addresses.Count; next++)
        {
            AppendAddress(builder, addresses[next], utf8);
        }

        builder.Append(')');
    }

    private static void AppendAddress(StringBuilder builder, EmailAddress address, bool utf8)
    {
        var at = address.Address.LastIndexOf('@');
        var mailbox = at < 0 ? address.Address : address.Address[..at];
        var host = at < 0 ? null : address.Address[(at + 1)..];
        builder.Append('(').AppendString(string.IsNullOrEmpty(address.Name) ? null : address.Name, utf8).Append(' ');
        builder.AppendString(address.Route, utf8).Append(' ');
        builder.AppendString(mailbox, utf8).Append(' ').AppendString(host ?? string.Empty, utf8).Append(')');
    }

    private static void AppendParameters(StringBuilder builder, IReadOnlyList<KeyValuePair<string, string>> parameters, bool utf8)
    {
        if (parameters.Count == 0)
        {
            builder.Append("NIL");
            return;
        }

        builder.Append('(');
        var first = true;
        foreach (var (name, value) in parameters)
        {
            if (!first)
            {
                builder.Append(' ');
            }

            first = false;
            builder.AppendString(name, utf8).Append(' ').AppendString(value, utf8);
        }

        builder.Append(')');
    }

    private static void AppendDisposition(StringBuilder builder, MessagePart part, bool utf8)
    {
        if (part.Disposition is null)
        {
            builder.Append("NIL");
            return;
        }

        builder.Append('(').AppendString(part.Disposition, utf8).Append(' ');
        AppendParameters(builder, part.DispositionParameters, utf8);
        builder.Append(')');
    }

    private static void AppendLanguage(StringBuilder builder, MessagePart part, bool utf8)
    {
        if (part.ContentLanguage.Count == 0)
        {
            builder.Append("NIL");
            return;
        }

        builder.Append('(');
        for (var i = 0; i < part.ContentLanguage.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(' ');
            }

            builder.AppendString(part.ContentLanguage[i], utf8);
        }

        builder.Append(')');
    }
}

using Mail.Host.Mail;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Serializes <see cref="MessageMetadata"/> compactly. The body structure is written flat, in pre-order with a child
/// count per part, and rebuilt without recursion, so a message nested a thousand levels deep costs no stack.
/// </summary>
internal static class MetadataCodec
{
    /// <summary>The format written; a stored value of another format is re-parsed from the message.</summary>
    public const byte Format = 1;

    public static byte[] Encode(MessageMetadata metadata)
    {
        var writer = new ValueWriter(512);
        writer.Byte(Format);
        writer.Int(metadata.Size);
        WriteEnvelope(writer, metadata.Envelope);
        writer.String(metadata.Preview);
        writer.Bool(metadata.HasAttachment);

        var parts = new List<MessagePart>();
        var stack = new Stack<MessagePart>();
        stack.Push(metadata.Body);
        while (stack.Count > 0)
        {
            var part = stack.Pop();
            parts.Add(part);
            for (var i = part.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(part.Children[i]);
            }
        }

        writer.UInt((ulong)parts.Count);
        foreach (var part in parts)
        {
            writer.UInt((ulong)part.Children.Count);
            writer.String(part.PartId);
            writer.String(part.MediaType);
            writer.String(part.MediaSubtype);
            WritePairs(writer, part.Parameters);
            writer.NullableString(part.Charset);
            writer.NullableString(part.Disposition);
            WritePairs(writer, part.DispositionParameters);
            writer.NullableString(part.FileName);
            writer.NullableString(part.ContentId);
            writer.NullableString(part.ContentDescription);
            writer.Strings(part.ContentLanguage);
            writer.NullableString(part.ContentLocation);
            writer.NullableString(part.TransferEncoding);
            writer.Int(part.HeaderOffset);
            writer.Int(part.BodyOffset);
            writer.Int(part.EndOffset);
            writer.Int(part.Lines);
            writer.Bool(part.Envelope is not null);
            if (part.Envelope is not null)
            {
                WriteEnvelope(writer, part.Envelope);
            }
        }

        // Address groups and routes follow the parts, so values written before they were recorded still decode.
        WriteAddressExtras(writer, metadata.Envelope);
        foreach (var part in parts)
        {
            if (part.Envelope is not null)
            {
                WriteAddressExtras(writer, part.Envelope);
            }
        }

        return writer.ToArray();
    }

    /// <summary>Reads a stored value; <see langword="null"/> when it was written in another format.</summary>
    public static MessageMetadata? Decode(ReadOnlySpan<byte> value)
    {
        var reader = new ValueReader(value);
        if (reader.Byte() != Format)
        {
            return null;
        }

        var size = reader.Int();
        var envelope = ReadEnvelope(ref reader);
        var preview = reader.String();
        var hasAttachment = reader.Bool();

        var count = reader.Count();
        if (count == 0)
        {
            throw new FormatException("Stored metadata has no body part.");
        }

        var childCounts = new int[count];
        var parents = new int[count];
        var builders = new MessagePart[count];
        var open = new Stack<(int Index, int Remaining)>();
        for (var i = 0; i < count; i++)
        {
            childCounts[i] = reader.Count();
            parents[i] = -1;
            if (open.Count > 0)
            {
                var (parent, remaining) = open.Pop();
                parents[i] = parent;
                if (remaining > 1)
                {
                    open.Push((parent, remaining - 1));
                }
            }
            else if (i > 0)
            {
                throw new FormatException("Stored metadata has more than one root part.");
            }

            if (childCounts[i] > 0)
            {
                open.Push((i, childCounts[i]));
            }

            builders[i] = ReadPart(ref reader);
        }

        if (!reader.End)
        {
            envelope = ReadAddressExtras(ref reader, envelope);
            for (var i = 0; i < count; i++)
            {
                if (builders[i].Envelope is { } inner)
                {
                    builders[i] = builders[i] with { Envelope = ReadAddressExtras(ref reader, inner) };
                }
            }
        }

        // Children come after their parent in pre-order, so building from the end finds every child complete.
        var children = new List<MessagePart>?[count];
        for (var i = count - 1; i >= 0; i--)
        {
            var part = builders[i];
            if (childCounts[i] > 0)
            {
                var list = children[i] ?? [];
                list.Reverse();
                part = part with { Children = list };
            }

            builders[i] = part;
            if (parents[i] >= 0)
            {
                (children[parents[i]] ??= []).Add(part);
            }
        }

        return new MessageMetadata { Size = size, Envelope = envelope, Preview = preview, HasAttachment = hasAttachment, Body = builders[0] };
    }

    private static MessagePart ReadPart(ref ValueReader reader)
    {
        var partId = reader.String();
        var mediaType = reader.String();
        var mediaSubtype = reader.String();
        var parameters = ReadPairs(ref reader);
        var charset = reader.NullableString();
        var disposition = reader.NullableString();
        var dispositionParameters = ReadPairs(ref reader);
        var fileName = reader.NullableString();
        var contentId = reader.NullableString();
        var description = reader.NullableString();
        var languages = reader.Strings();
        var location = reader.NullableString();
        var encoding = reader.NullableString();
        var headerOffset = reader.Int();
        var bodyOffset = reader.Int();
        var endOffset = reader.Int();
        var lines = reader.Int();
        var envelope = reader.Bool() ? ReadEnvelope(ref reader) : null;
        return new MessagePart
        {
            PartId = partId,
            MediaType = mediaType,
            MediaSubtype = mediaSubtype,
            Parameters = parameters,
            Charset = charset,
            Disposition = disposition,
            DispositionParameters = dispositionParameters,
            FileName = fileName,
            ContentId = contentId,
            ContentDescription = description,
            ContentLanguage = languages,
            ContentLocation = location,
            TransferEncoding = encoding,
            HeaderOffset = headerOffset,
            BodyOffset = bodyOffset,
            EndOffset = endOffset,
            Lines = lines,
            Envelope = envelope,
        };
    }

    private static void WriteEnvelope(ValueWriter writer, MessageEnvelope envelope)
    {
        writer.Bool(envelope.Date is not null);
        if (envelope.Date is { } date)
        {
            writer.Int(date.ToUnixTimeMilliseconds());
            writer.Int((long)date.Offset.TotalMinutes);
        }

        writer.NullableString(envelope.Subject);
        WriteAddresses(writer, envelope.From);
        WriteAddresses(writer, envelope.Sender);
        WriteAddresses(writer, envelope.ReplyTo);
        WriteAddresses(writer, envelope.To);
        WriteAddresses(writer, envelope.Cc);
        WriteAddresses(writer, envelope.Bcc);
        writer.NullableString(envelope.MessageId);
        writer.Strings(envelope.InReplyTo);
        writer.Strings(envelope.References);
    }

    private static MessageEnvelope ReadEnvelope(ref ValueReader reader)
    {
        DateTimeOffset? date = null;
        if (reader.Bool())
        {
            var ms = reader.Int();
            var offset = TimeSpan.FromMinutes(reader.Int());
            date = DateTimeOffset.FromUnixTimeMilliseconds(ms).ToOffset(offset);
        }

        return new MessageEnvelope
        {
            Date = date,
            Subject = reader.NullableString(),
            From = ReadAddresses(ref reader),
            Sender = ReadAddresses(ref reader),
            ReplyTo = ReadAddresses(ref reader),
            To = ReadAddresses(ref reader),
            Cc = ReadAddresses(ref reader),
            Bcc = ReadAddresses(ref reader),
            MessageId = reader.NullableString(),
            InReplyTo = reader.Strings(),
            References = reader.Strings(),
        };
    }

    private static IReadOnlyList<EmailAddress>[] AddressFields(MessageEnvelope envelope)
        => [envelope.From, envelope.Sender, envelope.ReplyTo, envelope.To, envelope.Cc, envelope.Bcc];

    private static void WriteAddressExtras(ValueWriter writer, MessageEnvelope envelope)
    {
        writer.UInt((ulong)envelope.Groups.Count);
        foreach (var group in envelope.Groups)
        {
            writer.String(group.Field);
            writer.String(group.Name);
            writer.UInt((ulong)group.Start);
            writer.UInt((ulong)group.Count);
        }

        var fields = AddressFields(envelope);
        var routes = new List<(int Field, int Index, string Route)>();
        for (var f = 0; f < fields.Length; f++)
        {
            for (var i = 0; i < fields[f].Count; i++)
            {
                if (fields[f][i].Route is { } route)
                {
                    routes.Add((f, i, route));
                }
            }
        }

        writer.UInt((ulong)routes.Count);
        foreach (var (field, index, route) in routes)
        {
            writer.UInt((ulong)field);
            writer.UInt((ulong)index);
            writer.String(route);
        }
    }

    private static MessageEnvelope ReadAddressExtras(ref ValueReader reader, MessageEnvelope envelope)
    {
        var groupCount = reader.Count();
        var groups = groupCount == 0 ? [] : new EmailAddressGroup[groupCount];
        for (var i = 0; i < groupCount; i++)
        {
            groups[i] = new EmailAddressGroup(reader.String(), reader.String(), reader.Count(), reader.Count());
        }

        var routeCount = reader.Count();
        if (routeCount == 0)
        {
            return groupCount == 0 ? envelope : envelope with { Groups = groups };
        }

        var fields = AddressFields(envelope).Select(f => f.ToArray()).ToArray();
        for (var i = 0; i < routeCount; i++)
        {
            var field = reader.Count();
            var index = reader.Count();
            var route = reader.String();
            if (field < fields.Length && index < fields[field].Length)
            {
                fields[field][index] = fields[field][index] with { Route = route };
            }
        }

        return envelope with
        {
            Groups = groups,
            From = fields[0],
            Sender = fields[1],
            ReplyTo = fields[2],
            To = fields[3],
            Cc = fields[4],
            Bcc = fields[5],
        };
    }

    private static void WriteAddresses(ValueWriter writer, IReadOnlyList<EmailAddress> addresses)
    {
        writer.UInt((ulong)addresses.Count);
        foreach (var address in addresses)
        {
            writer.NullableString(address.Name);
            writer.String(address.Address);
        }
    }

    private static EmailAddress[] ReadAddresses(ref ValueReader reader)
    {
        var count = reader.Count();
        var addresses = count == 0 ? [] : new EmailAddress[count];
        for (var i = 0; i < count; i++)
        {
            addresses[i] = new EmailAddress(reader.NullableString(), reader.String());
        }

        return addresses;
    }

    private static void WritePairs(ValueWriter writer, IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        writer.UInt((ulong)pairs.Count);
        foreach (var (key, value) in pairs)
        {
            writer.String(key);
            writer.String(value);
        }
    }

    private static KeyValuePair<string, string>[] ReadPairs(ref ValueReader reader)
    {
        var count = reader.Count();
        var pairs = count == 0 ? [] : new KeyValuePair<string, string>[count];
        for (var i = 0; i < count; i++)
        {
            pairs[i] = new(reader.String(), reader.String());
        }

        return pairs;
    }
}

using System.Globalization;
using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>FETCH: flags, dates, envelopes, body structures and byte ranges of sections, read without loading whole messages.</summary>
internal sealed partial class ImapSession
{
    private const int ChunkSize = 256 * 1024;

    private async ValueTask FetchAsync(ImapParser parser, bool uid)
    {
        parser.ExpectSpace();
        var set = SequenceSet.Parse(parser.ReadAtom());
        parser.ExpectSpace();
        var items = new List<FetchItem>();
        if (parser.Peek() == (byte)'(')
        {
            parser.ReadList(() => AddFetchItem(items, parser.ReadAtom()));
        }
        else
        {
            AddFetchItem(items, parser.ReadAtom());
        }

        ulong? changedSince = null;
        var vanished = false;
        if (parser.TrySpace())
        {
            parser.ReadList(() =>
            {
                var modifier = parser.ReadAtom().ToUpperInvariant();
                switch (modifier)
                {
                    case "CHANGEDSINCE":
                        parser.ExpectSpace();
                        changedSince = parser.ReadNumber64();
                        break;
                    case "VANISHED" when uid && qresync:
                        vanished = true;
                        break;
                    default:
                        throw new ImapParseException($"Unknown FETCH modifier {modifier}");
                }
            });
            if (vanished && changedSince is null)
            {
                throw new ImapParseException("VANISHED needs CHANGEDSINCE");
            }
        }

        parser.ExpectEnd();
        if (changedSince is not null)
        {
            condStore = true;
        }

        if (uid && !items.Any(i => i.Kind == FetchKind.Uid))
        {
            items.Insert(0, new FetchItem(FetchKind.Uid));
        }

        if (condStore && changedSince is not null && !items.Any(i => i.Kind == FetchKind.ModSeq))
        {
            items.Add(new FetchItem(FetchKind.ModSeq));
        }

        await SyncAsync(allowExpunge: uid, force: false).ConfigureAwait(false);
        var view = Selected;
        var uids = ResolveSet(set, uid);
        if (vanished)
        {
            var expunged = await Account.GetExpungedAsync(view.Id, changedSince!.Value).ConfigureAwait(false);
            var gone = expunged.Uids.Where(u => set.Contains(u, view.MaxUid) && view.SequenceOf(u) == 0).ToList();
            if (gone.Count > 0)
            {
                Send($"* VANISHED (EARLIER) {UidSet(gone)}");
            }
        }

        var setsSeen = !view.ReadOnly && items.Any(i => i.Kind is FetchKind.Section or FetchKind.Binary && !i.Peek);
        if (setsSeen && !items.Any(i => i.Kind == FetchKind.Flags))
        {
            items.Add(new FetchItem(FetchKind.Flags));
        }

        var needsMetadata = items.Any(i => i.NeedsMetadata);
        foreach (var batch in uids.Chunk(256))
        {
            var messages = new List<MailboxMessage>(batch.Length);
            var wanted = batch.ToHashSet();
            await foreach (var message in Account.GetMessagesAsync(view.Id, batch[0], batch[^1]).ConfigureAwait(false))
            {
                if (wanted.Contains(message.Uid) && (changedSince is null || message.ModSeq > changedSince))
                {
                    messages.Add(message);
                }
            }

            if (setsSeen)
            {
                var unseen = messages.Where(m => !m.Keywords.Contains(MailKeywords.Seen)).Select(m => m.Uid).ToList();
                if (unseen.Count > 0)
                {
                    var result = await Account.SetKeywordsAsync(view.Id, unseen, KeywordOperation.Add, [MailKeywords.Seen]).ConfigureAwait(false);
                    var updated = result.Updated.ToDictionary(m => m.Uid);
                    for (var i = 0; i < messages.Count; i++)
                    {
                        if (updated.TryGetValue(messages[i].Uid, out var fresh))
                        {
                            messages[i] = messages[i] with { Keywords = fresh.Keywords, ModSeq = fresh.ModSeq };
                            view.Messages[fresh.Uid] = (fresh.Keywords, fresh.ModSeq);
                        }
                    }
                }
            }

            Dictionary<ulong, Email>? emails = null;
            if (needsMetadata && messages.Count > 0)
            {
                emails = (await Account.GetEmailsAsync([.. messages.Select(m => m.EmailId)]).ConfigureAwait(false)).ToDictionary(e => e.Id);
            }

            foreach (var message in messages)
            {
                var sequence = view.SequenceOf(message.Uid);
                if (sequence == 0)
                {
                    continue;
                }

                Email? email = null;
                if (needsMetadata && (emails is null || !emails.TryGetValue(message.EmailId, out email)))
                {
                    continue;
                }

                await WriteFetchAsync(sequence, message, email, items).ConfigureAwait(false);
                await FlushIfFullAsync().ConfigureAwait(false);
            }
        }

        Ok("FETCH completed");
    }

    private static void AddFetchItem(List<FetchItem> items, string atom)
    {
        var upper = atom.ToUpperInvariant();
        switch (upper)
        {
            case "ALL":
                items.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Size), new(FetchKind.Envelope)]);
                return;
            case "FAST":
                items.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Size)]);
                return;
            case "FULL":
                items.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Size), new(FetchKind.Envelope), new(FetchKind.Body)]);
                return;
            case "FLAGS":
                items.Add(new(FetchKind.Flags));
                return;
            case "INTERNALDATE":
                items.Add(new(FetchKind.InternalDate));
                return;
            case "RFC822.SIZE":
                items.Add(new(FetchKind.Size));
                return;
            case "ENVELOPE":
                items.Add(new(FetchKind.Envelope));
                return;
            case "BODY":
                items.Add(new(FetchKind.Body));
                return;
            case "BODYSTRUCTURE":
                items.Add(new(FetchKind.BodyStructure));
                return;
            case "UID":
                items.Add(new(FetchKind.Uid));
                return;
            case "MODSEQ":
                items.Add(new(FetchKind.ModSeq));
                return;
            case "EMAILID":
                items.Add(new(FetchKind.EmailId));
                return;
            case "THREADID":
                items.Add(new(FetchKind.ThreadId));
                return;
            case "PREVIEW":
                items.Add(new(FetchKind.Preview));
                return;
            case "RFC822":
                items.Add(new(FetchKind.Section) { ResponseName = "RFC822" });
                return;
            case "RFC822.HEADER":
                items.Add(new(FetchKind.Section) { ResponseName = "RFC822.HEADER", Text = "HEADER", Peek = true });
                return;
            case "RFC822.TEXT":
                items.Add(new(FetchKind.Section) { ResponseName = "RFC822.TEXT", Text = "TEXT" });
                return;
        }

        var open = atom.IndexOf('[', StringComparison.Ordinal);
        var close = atom.LastIndexOf(']');
        if (open < 0 || close < open)
        {
            throw new ImapParseException($"Unknown FETCH item {(atom.Length > 40 ? atom[..40] : atom)}");
        }

        var name = upper[..open];
        var kind = name switch
        {
            "BODY" or "BODY.PEEK" => FetchKind.Section,
            "BINARY" or "BINARY.PEEK" => FetchKind.Binary,
            "BINARY.SIZE" => FetchKind.BinarySize,
            _ => throw new ImapParseException($"Unknown FETCH item {name}"),
        };
        var section = atom[(open + 1)..close];
        var (path, text, fields) = ParseSection(section);
        if (kind != FetchKind.Section && text.Length > 0)
        {
            throw new ImapParseException("BINARY takes part numbers only");
        }

        long? offset = null;
        long? length = null;
        var rest = atom[(close + 1)..];
        if (rest.Length > 0)
        {
            if (kind == FetchKind.BinarySize || rest[0] != '<' || rest[^1] != '>')
            {
                throw new ImapParseException("Invalid partial range");
            }

            var range = rest[1..^1].Split('.');
            if (range.Length != 2 || !long.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                || !long.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count == 0)
            {
                throw new ImapParseException("Invalid partial range");
            }

            offset = start;
            length = count;
        }

        // The section is echoed as the client wrote it (field names keep their case).
        var responseSection = section;
        var responseName = (kind switch { FetchKind.Binary => "BINARY", FetchKind.BinarySize => "BINARY.SIZE", _ => "BODY" })
            + "[" + responseSection + "]" + (offset is { } o ? "<" + o + ">" : string.Empty);
        items.Add(new FetchItem(kind)
        {
            ResponseName = responseName,
            Path = path,
            Text = text,
            Fields = fields,
            Peek = name.EndsWith(".PEEK", StringComparison.Ordinal) || kind == FetchKind.BinarySize,
            PartialOffset = offset,
            PartialLength = length,
        });
    }

    private static (int[] Path, string Text, List<string> Fields) ParseSection(string section)
    {
        var path = new List<int>();
        var index = 0;
        while (index < section.Length && char.IsAsciiDigit(section[index]))
        {
            var end = index;
            while (end < section.Length && char.IsAsciiDigit(section[end]))
            {
                end++;
            }

            if (!int.TryParse(section.AsSpan(index, end - index), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number == 0)
            {
                throw new ImapParseException("Invalid section number");
            }

            path.Add(number);
            index = end;
            if (index < section.Length)
            {
                if (section[index] != '.')
                {
                    throw new ImapParseException("Invalid section");
                }

                index++;
                if (index == section.Length)
                {
                    throw new ImapParseException("Invalid section");
                }
            }
        }

        var text = section[index..];
        var fields = new List<string>();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
        switch (keyword)
        {
            case "":
            case "HEADER" or "TEXT" when space < 0:
                break;
            case "MIME" when space < 0 && path.Count > 0:
                break;
            case "HEADER.FIELDS" or "HEADER.FIELDS.NOT" when space > 0:
                var list = text[(space + 1)..].Trim();
                if (list.Length < 2 || list[0] != '(' || list[^1] != ')')
                {
                    throw new ImapParseException("Invalid header field list");
                }

                foreach (var field in list[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var name = field.Trim('"');
                    if (name.Length == 0 || name.Any(c => c is <= ' ' or > '~' or ':'))
                    {
                        throw new ImapParseException("Invalid header field name");
                    }

                    fields.Add(name.ToUpperInvariant());
                }

                if (fields.Count == 0)
                {
                    throw new ImapParseException("Empty header field list");
                }

                break;
            default:
                throw new ImapParseException("Invalid section");
        }

        return ([.. path], keyword, fields);
    }

    private async ValueTask WriteFetchAsync(uint sequence, MailboxMessage message, Email? email, List<FetchItem> items)
    {
        var builder = new StringBuilder();
        builder.Append("* ").Append(sequence).Append(" FETCH (");
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                builder.Append(' ');
            }

            first = false;
            switch (item.Kind)
            {
                case FetchKind.Flags:
                    builder.Append("FLAGS (").Append(Flags(message.Keywords, message.Uid)).Append(')');
                    break;
                case FetchKind.InternalDate:
                    builder.Append("INTERNALDATE ").Append(ImapText.DateTime(message.InternalDate));
                    break;
                case FetchKind.Size:
                    builder.Append("RFC822.SIZE ").Append(message.Size);
                    break;
                case FetchKind.Uid:
                    builder.Append("UID ").Append(message.Uid);
                    break;
                case FetchKind.ModSeq:
                    builder.Append("MODSEQ (").Append(message.ModSeq).Append(')');
                    break;
                case FetchKind.EmailId:
                    builder.Append("EMAILID (M").Append(message.EmailId).Append(')');
                    break;
                case FetchKind.ThreadId:
                    builder.Append("THREADID (T").Append(email!.ThreadId).Append(')');
                    break;
                case FetchKind.Envelope:
                    builder.Append("ENVELOPE ");
                    ImapFormat.AppendEnvelope(builder, email!.Metadata.Envelope, Utf8Names);
                    break;
                case FetchKind.Body:
                    builder.Append("BODY ");
                    ImapFormat.AppendBodyStructure(builder, email!.Metadata.Body, extensible: false, Utf8Names);
                    break;
                case FetchKind.BodyStructure:
                    builder.Append("BODYSTRUCTURE ");
                    ImapFormat.AppendBodyStructure(builder, email!.Metadata.Body, extensible: true, Utf8Names);
                    break;
                case FetchKind.Preview:
                    builder.Append("PREVIEW ");
                    var preview = email!.Metadata.Preview;
                    if (Utf8Names || Ascii.IsValid(preview))
                    {
                        builder.AppendString(preview, utf8: true);
                    }
                    else
                    {
                        AppendLiteral(builder, Encoding.UTF8.GetBytes(preview), binary: false);
                    }

                    break;
                case FetchKind.Section:
                case FetchKind.Binary:
                case FetchKind.BinarySize:
                    await WriteSectionAsync(builder, message, email!, item).ConfigureAwait(false);
                    break;
            }
        }

        builder.Append(')');
        Send(builder.ToString());
    }

    /// <summary>Writes what is built so far, then a literal, and leaves the builder empty for the rest of the line.</summary>
    private void AppendLiteral(StringBuilder builder, ReadOnlySpan<byte> data, bool binary)
    {
        builder.Append(binary ? "~{" : "{").Append(data.Length).Append("}\r\n");
        SendBytes(Encoding.UTF8.GetBytes(builder.ToString()));
        builder.Clear();
        SendBytes(data);
    }

    private async ValueTask WriteSectionAsync(StringBuilder builder, MailboxMessage message, Email email, FetchItem item)
    {
        builder.Append(item.ResponseName).Append(' ');
        var root = email.Metadata.Body;
        MessagePart? part = root;
        if (item.Path.Length > 0)
        {
            part = Resolve(root, item.Path);
        }

        if (part is null)
        {
            // A part that does not exist reads as empty (RFC 9051 §6.4.5).
            builder.Append(item.Kind == FetchKind.BinarySize ? "0" : "\"\"");
            return;
        }

        if (item.Kind is FetchKind.Binary or FetchKind.BinarySize)
        {
            byte[] decoded;
            if (item.Path.Length == 0 || part.MediaType is "multipart" or "message")
            {
                // A whole message, multipart or encapsulated message (RFC 3516 §4.2): its content as stored, which is
                // already its binary form when no part below it has a content transfer encoding to undo.
                if (!IdentityEncoded(part))
                {
                    throw new ImapNoException("BINARY of a composite part is given only when no part inside it is encoded; fetch the parts one by one", "UNKNOWN-CTE");
                }

                decoded = item.Path.Length == 0
                    ? await ReadRangeAsync(message.EmailId, 0, message.Size).ConfigureAwait(false)
                    : await ReadRangeAsync(message.EmailId, part.BodyOffset, part.BodySize).ConfigureAwait(false);
            }
            else
            {
                var raw = await ReadRangeAsync(message.EmailId, part.BodyOffset, part.BodySize).ConfigureAwait(false);
                decoded = TransferDecoding.Decode(part.TransferEncoding, raw) ?? throw new ImapNoException("Unknown content transfer encoding", "UNKNOWN-CTE");
            }

            if (item.Kind == FetchKind.BinarySize)
            {
                builder.Remove(builder.Length - 1, 1).Append(' ').Append(decoded.Length);
                return;
            }

            var slice = Partial(decoded, item);
            AppendLiteral(builder, slice, binary: slice.AsSpan().IndexOf((byte)0) >= 0);
            return;
        }

        long start;
        long end;
        byte[]? filtered = null;
        switch (item.Text)
        {
            case "":
                if (item.Path.Length == 0)
                {
                    (start, end) = (0, message.Size);
                }
                else
                {
                    (start, end) = (part.BodyOffset, part.EndOffset);
                }

                break;
            case "MIME":
                (start, end) = (part.HeaderOffset, part.BodyOffset);
                break;
            case "HEADER":
            case "TEXT":
            case "HEADER.FIELDS":
            case "HEADER.FIELDS.NOT":
                var target = part;
                if (item.Path.Length > 0)
                {
                    if (part.MediaType != "message" || part.Children.Count != 1)
                    {
                        builder.Append("\"\"");
                        return;
                    }

                    target = part.Children[0];
                }

                if (item.Text == "TEXT")
                {
                    (start, end) = (target.BodyOffset, target.EndOffset);
                }
                else
                {
                    (start, end) = (target.HeaderOffset, target.BodyOffset);
                    if (item.Text != "HEADER")
                    {
                        var header = await ReadRangeAsync(message.EmailId, start, end - start).ConfigureAwait(false);
                        filtered = FilterHeader(header, item.Fields, keep: item.Text == "HEADER.FIELDS");
                    }
                }

                break;
            default:
                throw new ImapParseException("Invalid section");
        }

        if (filtered is null && item.Text.Length == 0 && item.Path.Length > 0 && part.MediaType is not ("multipart" or "message")
            && string.Equals(part.TransferEncoding, "binary", StringComparison.OrdinalIgnoreCase))
        {
            // Binary content (appended with a literal8) may hold NUL bytes, which no IMAP string can carry: BODY[part]
            // gives it in base64 then (RFC 3516 §4.3); BINARY[part] gives it as it is.
            var content = await ReadRangeAsync(message.EmailId, start, end - start).ConfigureAwait(false);
            if (content.AsSpan().IndexOf((byte)0) >= 0)
            {
                filtered = Encoding.ASCII.GetBytes(Convert.ToBase64String(content, Base64FormattingOptions.InsertLineBreaks) + "\r\n");
            }
        }

        if (filtered is not null)
        {
            AppendLiteral(builder, Partial(filtered, item), binary: false);
            return;
        }

        var length = Math.Max(0, end - start);
        if (item.PartialOffset is { } offset)
        {
            start += Math.Min(offset, length);
            length = Math.Max(0, Math.Min(length - offset, item.PartialLength!.Value));
        }

        // Written in chunks read as byte ranges: a large message never sits whole in memory.
        builder.Append('{').Append(length).Append("}\r\n");
        SendBytes(Encoding.UTF8.GetBytes(builder.ToString()));
        builder.Clear();
        long written = 0;
        while (written < length)
        {
            var count = (int)Math.Min(ChunkSize, length - written);
            var chunk = await Account.ReadMessageAsync(message.EmailId, start + written, count).ConfigureAwait(false) ?? [];
            if (chunk.Length < count)
            {
                // The stored message is shorter than its metadata says: pad, so the literal keeps its announced size.
                SendBytes(chunk);
                SendBytes(new byte[count - chunk.Length]);
            }
            else
            {
                SendBytes(chunk);
            }

            written += count;
            await FlushIfFullAsync().ConfigureAwait(false);
        }
    }

    /// <summary>True when no part at or below <paramref name="part"/> has a content transfer encoding to undo.</summary>
    private static bool IdentityEncoded(MessagePart part)
    {
        if (part.TransferEncoding is { Length: > 0 } encoding
            && !encoding.Equals("7bit", StringComparison.OrdinalIgnoreCase)
            && !encoding.Equals("8bit", StringComparison.OrdinalIgnoreCase)
            && !encoding.Equals("binary", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return part.Children.All(IdentityEncoded);
    }

    private static byte[] Partial(byte[] data, FetchItem item)
    {
        if (item.PartialOffset is not { } offset)
        {
            return data;
        }

        if (offset >= data.Length)
        {
            return [];
        }

        return data.AsSpan((int)offset, (int)Math.Min(data.Length - offset, item.PartialLength!.Value)).ToArray();
    }

    private async ValueTask<byte[]> ReadRangeAsync(ulong emailId, long offset, long length)
    {
        if (length <= 0)
        {
            return [];
        }

        if (length > listener.AppendLimit + (1024 * 1024))
        {
            throw new ImapNoException("The part is too large to decode", "LIMIT");
        }

        return await Account.ReadMessageAsync(emailId, offset, (int)length).ConfigureAwait(false) ?? [];
    }

    /// <summary>Finds a part by its section number (RFC 9051 §6.4.5); null when there is none.</summary>
    internal static MessagePart? Resolve(MessagePart root, int[] path)
    {
        var current = root;
        var isMessage = true;
        for (var i = 0; i < path.Length; i++)
        {
            var n = path[i];
            if (current.MediaType == "multipart")
            {
                if (n > current.Children.Count)
                {
                    return null;
                }

                current = current.Children[n - 1];
            }
            else if (!isMessage || n != 1)
            {
                return null;
            }

            isMessage = false;
            if (i < path.Length - 1 && current.MediaType == "message" && current.Children.Count == 1)
            {
                // More numbers follow: they name parts of the encapsulated message.
                current = current.Children[0];
                isMessage = true;
            }
        }

        return current;
    }

    /// <summary>Keeps (or drops) the header fields named, followed by the blank line.</summary>
    private static byte[] FilterHeader(byte[] header, IReadOnlyList<string> names, bool keep)
    {
        var output = new MemoryStream();
        var index = 0;
        while (index < header.Length)
        {
            var end = index;
            while (true)
            {
                var lf = Array.IndexOf(header, (byte)'\n', end);
                end = lf < 0 ? header.Length : lf + 1;
                if (end >= header.Length || header[end] is not ((byte)' ' or (byte)'\t'))
                {
                    break;
                }
            }

            var field = header.AsSpan(index, end - index);
            var colon = field.IndexOf((byte)':');
            if (colon > 0)
            {
                var name = Encoding.ASCII.GetString(field[..colon]).Trim().ToUpperInvariant();
                if (names.Contains(name) == keep)
                {
                    output.Write(field);
                }
            }

            index = end;
        }

        output.Write("\r\n"u8);
        return output.ToArray();
    }
}

using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>METADATA and METADATA-SERVER (RFC 5464): GETMETADATA and SETMETADATA on mailbox and server entries.</summary>
internal sealed partial class ImapSession
{
    /// <summary>The largest value SETMETADATA accepts, as the engine's default limit; reported in <c>[METADATA MAXSIZE n]</c>.</summary>
    private const int MaxMetadataValue = 64 * 1024;

    /// <summary>The most entries one GETMETADATA or SETMETADATA names.</summary>
    private const int MaxMetadataArguments = 1000;

    private async ValueTask GetMetadataAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        long? maxSize = null;
        var depth = 0;
        if (parser.Peek() == (byte)'(')
        {
            parser.ReadList(() =>
            {
                var option = parser.ReadAtom().ToUpperInvariant();
                parser.ExpectSpace();
                switch (option)
                {
                    case "MAXSIZE":
                        maxSize = parser.ReadNumber();
                        break;
                    case "DEPTH":
                        var value = parser.ReadAtom();
                        depth = value switch
                        {
                            "0" => 0,
                            "1" => 1,
                            _ when value.Equals("infinity", StringComparison.OrdinalIgnoreCase) => int.MaxValue,
                            _ => throw new ImapParseException("DEPTH is 0, 1 or infinity"),
                        };
                        break;
                    default:
                        throw new ImapParseException($"Unknown GETMETADATA option {(option.Length > 32 ? option[..32] : option)}");
                }
            });
            parser.ExpectSpace();
        }

        var rawName = parser.ReadAString();
        parser.ExpectSpace();
        var names = new List<string>();
        if (parser.Peek() == (byte)'(')
        {
            parser.ReadList(() => names.Add(ReadEntryName(parser, names.Count, allowRoot: true)));
        }
        else
        {
            names.Add(ReadEntryName(parser, 0, allowRoot: true));
        }

        parser.ExpectEnd();
        var (mailboxId, shownName) = await MetadataTargetAsync(rawName).ConfigureAwait(false);
        var stored = await Account.GetMetadataAsync(mailboxId).ConfigureAwait(false);
        var found = new List<MetadataEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long longest = 0;
        foreach (var name in names)
        {
            var matched = false;
            foreach (var entry in stored.Where(e => Within(e.Name, name, depth)))
            {
                matched = true;
                if (!seen.Add(entry.Name))
                {
                    continue;
                }

                if (maxSize is { } limit && entry.Value!.Length > limit)
                {
                    longest = Math.Max(longest, entry.Value.Length);
                    continue;
                }

                found.Add(entry);
            }

            if (!matched && seen.Add(name))
            {
                // An entry asked for by name that has no value is answered with NIL (RFC 5464 §4.2).
                found.Add(new MetadataEntry(name, null));
            }
        }

        if (found.Count > 0)
        {
            SendMetadata(shownName, found);
        }

        Ok(longest > 0 ? $"[METADATA LONGENTRIES {longest}] GETMETADATA completed" : "GETMETADATA completed");
    }

    private async ValueTask SetMetadataAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        var rawName = parser.ReadAString();
        parser.ExpectSpace();
        var entries = new List<MetadataEntry>();
        var tooLarge = false;
        parser.ReadList(() =>
        {
            var name = ReadEntryName(parser, entries.Count);
            parser.ExpectSpace();
            byte[]? value = null;
            if (parser.IsNil())
            {
                parser.ReadAtom();
            }
            else
            {
                // RFC 5464 values are strings; an atom is taken too, as some clients send one-word values bare.
                value = parser.PeekLiteral() || parser.Peek() == (byte)'"' ? parser.ReadStringBytes() : Encoding.UTF8.GetBytes(parser.ReadAtom());
            }

            tooLarge |= value is { Length: > MaxMetadataValue };
            entries.Add(new MetadataEntry(name, value));
        });
        parser.ExpectEnd();
        if (entries.Count == 0)
        {
            throw new ImapParseException("SETMETADATA needs at least one entry");
        }

        var (mailboxId, _) = await MetadataTargetAsync(rawName).ConfigureAwait(false);
        if (tooLarge)
        {
            throw new ImapNoException("A value is larger than this server keeps", $"METADATA MAXSIZE {MaxMetadataValue}");
        }

        try
        {
            await Account.SetMetadataAsync(mailboxId, entries).ConfigureAwait(false);
        }
        catch (MailException ex) when (ex.Code == MailErrorCode.TooManyEntries)
        {
            throw new ImapNoException("Too many entries", "METADATA TOOMANY");
        }
        catch (MailException ex) when (ex.Code == MailErrorCode.ValueTooLarge)
        {
            throw new ImapNoException("A value is larger than this server keeps", $"METADATA MAXSIZE {MaxMetadataValue}");
        }
        catch (MailException ex) when (ex.Code == MailErrorCode.InvalidArgument)
        {
            throw new ImapParseException("Entry names start with /private/ or /shared/");
        }
        catch (MailException ex) when (ex.Code == MailErrorCode.NotPermitted && mailboxId is null)
        {
            throw new ImapNoException("Server /shared entries are set by the operator", "NOPERM");
        }

        // The session's own change is not announced back to it (RFC 5465 §5).
        await RememberMetadataAsync(mailboxId).ConfigureAwait(false);
        Ok("SETMETADATA completed");
    }

    /// <summary>Whether a stored entry is the one asked for or, within the depth, below it.</summary>
    private static bool Within(string stored, string asked, int depth)
    {
        if (stored == asked)
        {
            return true;
        }

        if (depth == 0 || !stored.StartsWith(asked + "/", StringComparison.Ordinal))
        {
            return false;
        }

        return depth == int.MaxValue || !stored.AsSpan(asked.Length + 1).Contains('/');
    }

    /// <summary>
    /// Reads an entry name: <c>/private/…</c> or <c>/shared/…</c> (and, to read with a DEPTH, <c>/private</c> or
    /// <c>/shared</c> themselves), kept in lower case; anything else is BAD.
    /// </summary>
    private static string ReadEntryName(ImapParser parser, int count, bool allowRoot = false)
    {
        if (count >= MaxMetadataArguments)
        {
            throw new ImapParseException($"At most {MaxMetadataArguments} entries per command");
        }

        var name = parser.ReadAString().ToLowerInvariant();
        if (allowRoot && name is "/private" or "/shared")
        {
            return name;
        }

        var valid = (name.StartsWith("/private/", StringComparison.Ordinal) || name.StartsWith("/shared/", StringComparison.Ordinal))
            && !name.EndsWith('/') && !name.Contains("//", StringComparison.Ordinal) && name.Length <= 512
            && name.All(c => c > ' ' && c < 0x7f && c is not ('*' or '%'));
        return valid ? name : throw new ImapParseException("Entry names start with /private/ or /shared/ and hold no wildcards");
    }

    /// <summary>The mailbox a metadata command names (<see langword="null"/> for the server, named by the empty string).</summary>
    private async ValueTask<(ulong? MailboxId, string ShownName)> MetadataTargetAsync(string rawName)
    {
        if (rawName.Length == 0)
        {
            return (null, "\"\"");
        }

        var mailbox = await FindMailboxAsync(ToInternalName(rawName)).ConfigureAwait(false);
        return (mailbox.Id, MailboxAString(mailbox.Name));
    }

    /// <summary>Sends one METADATA response; a value that is not plain text goes as a literal (literal8 when it holds NUL).</summary>
    private void SendMetadata(string shownName, List<MetadataEntry> entries)
    {
        var text = new StringBuilder("* METADATA ").Append(shownName).Append(" (");
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (i > 0)
            {
                text.Append(' ');
            }

            text.Append(entry.Name).Append(' ');
            if (entry.Value is not { } value)
            {
                text.Append("NIL");
                continue;
            }

            if (value.Length <= 1024 && value.All(b => b is >= 0x20 and < 0x7f))
            {
                text.AppendString(Encoding.ASCII.GetString(value), utf8: false);
                continue;
            }

            text.Append(value.Contains((byte)0) ? "~{" : "{").Append(ImapText.Number(value.Length)).Append('}');
            Send(text.ToString());
            text.Clear();
            SendBytes(value);
        }

        text.Append(')');
        Send(text.ToString());
    }
}

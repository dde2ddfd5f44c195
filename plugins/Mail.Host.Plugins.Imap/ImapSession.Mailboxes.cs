using System.Text;
using System.Text.RegularExpressions;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>Mailbox commands: CREATE, DELETE, RENAME, SUBSCRIBE, LIST, LSUB, STATUS, APPEND and the quota commands.</summary>
internal sealed partial class ImapSession
{
    private static MailboxRole RoleOf(string attribute) => attribute.ToUpperInvariant() switch
    {
        "\\DRAFTS" => MailboxRole.Drafts,
        "\\SENT" => MailboxRole.Sent,
        "\\TRASH" => MailboxRole.Trash,
        "\\JUNK" => MailboxRole.Junk,
        "\\ARCHIVE" => MailboxRole.Archive,
        _ => throw new ImapNoException($"The special use {attribute} is not supported", "USEATTR"),
    };

    private static string? AttributeOf(MailboxRole role) => role switch
    {
        MailboxRole.Drafts => "\\Drafts",
        MailboxRole.Sent => "\\Sent",
        MailboxRole.Trash => "\\Trash",
        MailboxRole.Junk => "\\Junk",
        MailboxRole.Archive => "\\Archive",
        _ => null,
    };

    private async ValueTask CreateAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        var name = ReadMailboxName(parser);
        var role = MailboxRole.None;
        if (parser.TrySpace())
        {
            parser.ReadList(() =>
            {
                var parameter = parser.ReadAtom().ToUpperInvariant();
                if (parameter != "USE")
                {
                    throw new ImapParseException($"Unknown CREATE parameter {parameter}");
                }

                parser.ExpectSpace();
                var uses = parser.ReadFlags();
                if (uses.Count > 1)
                {
                    throw new ImapNoException("Only one special use per mailbox is supported", "USEATTR");
                }

                if (uses.Count == 1)
                {
                    role = RoleOf(uses[0]);
                }
            });
        }

        parser.ExpectEnd();
        var separator = Engine.HierarchySeparator;
        if (name.TrimEnd(separator).Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImapNoException("INBOX exists already", "ALREADYEXISTS");
        }

        if (await Account.FindMailboxAsync(name.TrimEnd(separator)).ConfigureAwait(false) is not null)
        {
            throw new ImapNoException("Mailbox already exists", "ALREADYEXISTS");
        }

        var mailbox = await Account.CreateMailboxAsync(name, role).ConfigureAwait(false);
        if (mailbox.IsSubscribed)
        {
            // IMAP CREATE does not subscribe (RFC 9051 §6.3.4): SUBSCRIBE does.
            await Account.SetSubscribedAsync(mailbox.Id, false).ConfigureAwait(false);
        }

        Ok($"[MAILBOXID (F{mailbox.Id})] CREATE completed");
    }

    private async ValueTask DeleteAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        var name = ReadMailboxName(parser);
        parser.ExpectEnd();
        var mailbox = await FindMailboxAsync(name).ConfigureAwait(false);
        if (mailbox.Role == MailboxRole.Inbox)
        {
            throw new ImapNoException("INBOX cannot be deleted", "CANNOT");
        }

        await Account.DeleteMailboxAsync(mailbox.Id, removeMessages: true).ConfigureAwait(false);
        if (selected?.Id == mailbox.Id)
        {
            // The mailbox is gone: the session leaves the selected state.
            selected = null;
            state = ImapState.Authenticated;
        }

        Ok("DELETE completed");
    }

    private async ValueTask RenameAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        var from = ReadMailboxName(parser);
        parser.ExpectSpace();
        var to = ReadMailboxName(parser);
        parser.ExpectEnd();
        var mailbox = await FindMailboxAsync(from).ConfigureAwait(false);
        if (await Account.FindMailboxAsync(to.TrimEnd(Engine.HierarchySeparator)).ConfigureAwait(false) is not null)
        {
            throw new ImapNoException("A mailbox with the new name exists already", "ALREADYEXISTS");
        }

        var renamed = await Account.RenameMailboxAsync(mailbox.Id, to).ConfigureAwait(false);
        if (selected is { } view && view.Id == renamed.Id)
        {
            view.Name = renamed.Name;
        }

        Ok("RENAME completed");
    }

    private async ValueTask SubscribeAsync(ImapParser parser, bool subscribe)
    {
        parser.ExpectSpace();
        var name = ReadMailboxName(parser);
        parser.ExpectEnd();
        if (!subscribe && await Account.FindMailboxAsync(name).ConfigureAwait(false) is null
            && await Account.RemoveOrphanSubscriptionAsync(name).ConfigureAwait(false))
        {
            Ok("UNSUBSCRIBE completed");
            return;
        }

        var mailbox = await FindMailboxAsync(name).ConfigureAwait(false);
        await Account.SetSubscribedAsync(mailbox.Id, subscribe).ConfigureAwait(false);
        Ok($"{(subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE")} completed");
    }

    private async ValueTask ListAsync(ImapParser parser, bool lsub)
    {
        var selectSubscribed = lsub;
        var recursive = false;
        var selectSpecialUse = false;
        var returnSubscribed = lsub;
        var returnChildren = true;
        var returnSpecialUse = true;
        List<string>? statusItems = null;
        parser.ExpectSpace();
        if (!lsub && parser.Peek() == (byte)'(')
        {
            parser.ReadList(() =>
            {
                switch (parser.ReadAtom().ToUpperInvariant())
                {
                    case "SUBSCRIBED":
                        selectSubscribed = returnSubscribed = true;
                        break;
                    case "REMOTE":
                        break;
                    case "RECURSIVEMATCH":
                        recursive = true;
                        break;
                    case "SPECIAL-USE":
                        selectSpecialUse = true;
                        break;
                    default:
                        throw new ImapParseException("Unknown LIST selection option");
                }
            });
            if (recursive && !selectSubscribed)
            {
                throw new ImapParseException("RECURSIVEMATCH needs another selection option");
            }

            parser.ExpectSpace();
        }

        var reference = ToInternalName(parser.ReadAString());
        parser.ExpectSpace();
        var patterns = new List<string>();

        // A pattern that is not valid modified UTF-7 names no mailbox: it matches nothing rather than failing LIST.
        void AddPattern(string raw)
        {
            if (ToInternalPattern(raw) is { } pattern)
            {
                patterns.Add(pattern);
            }
        }

        if (!lsub && parser.Peek() == (byte)'(')
        {
            parser.ReadList(() => AddPattern(parser.ReadAString()));
        }
        else
        {
            AddPattern(ReadListPattern(parser));
        }

        if (!lsub && parser.TrySpace())
        {
            var keyword = parser.ReadAtom();
            if (!keyword.Equals("RETURN", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImapParseException("Expected RETURN");
            }

            parser.ExpectSpace();
            parser.ReadList(() =>
            {
                switch (parser.ReadAtom().ToUpperInvariant())
                {
                    case "SUBSCRIBED":
                        returnSubscribed = true;
                        break;
                    case "CHILDREN":
                        returnChildren = true;
                        break;
                    case "SPECIAL-USE":
                        returnSpecialUse = true;
                        break;
                    case "STATUS":
                        parser.ExpectSpace();
                        statusItems = [];
                        parser.ReadList(() => statusItems.Add(parser.ReadAtom().ToUpperInvariant()));
                        break;
                    default:
                        throw new ImapParseException("Unknown LIST return option");
                }
            });
        }

        parser.ExpectEnd();
        var separator = Engine.HierarchySeparator;
        var command = lsub ? "LSUB" : "LIST";
        if (patterns.Count == 1 && patterns[0].Length == 0 && !selectSubscribed)
        {
            Send($"* {command} (\\Noselect) \"{separator}\" \"\"");
            Ok($"{command} completed");
            return;
        }

        var mailboxes = await Account.GetMailboxesAsync().ConfigureAwait(false);
        var regexes = patterns.Select(p => PatternRegex(reference + p, separator)).ToList();
        var names = mailboxes.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var mailbox in mailboxes)
        {
            var matches = regexes.Any(r => r.IsMatch(mailbox.Name));
            var childSubscribed = false;
            if (!matches)
            {
                continue;
            }

            var noSelect = false;
            if (lsub && !mailbox.IsSubscribed)
            {
                // RFC 3501 §6.3.9: a "%" that stops above a subscribed mailbox returns its parent, flagged \Noselect.
                var prefix = mailbox.Name + separator;
                noSelect = mailboxes.Any(m => m.IsSubscribed && m.Name.StartsWith(prefix, StringComparison.Ordinal) && !regexes.Any(r => r.IsMatch(m.Name)));
                if (!noSelect)
                {
                    continue;
                }
            }
            else if (selectSubscribed && !mailbox.IsSubscribed)
            {
                if (!recursive)
                {
                    continue;
                }

                var prefix = mailbox.Name + separator;
                // CHILDINFO stands for subscribed descendants the patterns do not list themselves (RFC 5258 §4).
                childSubscribed = mailboxes.Any(m => m.IsSubscribed && m.Name.StartsWith(prefix, StringComparison.Ordinal) && !regexes.Any(r => r.IsMatch(m.Name)));
                if (!childSubscribed)
                {
                    continue;
                }
            }

            if (selectSpecialUse && AttributeOf(mailbox.Role) is null)
            {
                continue;
            }

            var attributes = new List<string>();
            if (lsub)
            {
                // LSUB gives only what RFC 3501 defines for it: \Noselect for a parent that is not subscribed itself.
                if (noSelect)
                {
                    attributes.Add("\\Noselect");
                }
            }
            else if (returnChildren)
            {
                var prefix = mailbox.Name + separator;
                attributes.Add(names.Any(n => n.StartsWith(prefix, StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren");
            }

            if (!lsub && returnSubscribed && mailbox.IsSubscribed)
            {
                attributes.Add("\\Subscribed");
            }

            if (!lsub && returnSpecialUse && AttributeOf(mailbox.Role) is { } use)
            {
                attributes.Add(use);
            }

            var line = new StringBuilder($"* {command} ({string.Join(' ', attributes)}) \"{separator}\" ").Append(MailboxAString(mailbox.Name));
            if (childSubscribed)
            {
                line.Append(" (\"CHILDINFO\" (\"SUBSCRIBED\"))");
            }

            Send(line.ToString());
            if (statusItems is not null)
            {
                Send(await StatusLineAsync(mailbox, statusItems).ConfigureAwait(false));
            }

            await FlushIfFullAsync().ConfigureAwait(false);
        }

        if (!selectSubscribed && !selectSpecialUse)
        {
            foreach (var parent in SharedParentLines(mailboxes, regexes, command))
            {
                Send(parent);
            }
        }

        if (selectSubscribed)
        {
            // Subscriptions outlive their mailboxes (RFC 9051 §6.3.7): a deleted one is listed \NonExistent (RFC 5258 §3.4).
            foreach (var orphan in await Account.GetOrphanSubscriptionsAsync().ConfigureAwait(false))
            {
                if (!names.Contains(orphan) && regexes.Any(r => r.IsMatch(orphan)))
                {
                    Send($"* {command} ({(lsub ? "\\Noselect" : "\\Subscribed \\NonExistent")}) \"{separator}\" {MailboxAString(orphan)}");
                }
            }
        }

        Ok($"{command} completed");
    }

    /// <summary>Reads a list-mailbox: an astring that may also hold <c>%</c> and <c>*</c>.</summary>
    private static string ReadListPattern(ImapParser parser)
    {
        return parser.ReadAString();
    }

    private static Regex PatternRegex(string pattern, char separator)
    {
        var builder = new StringBuilder("^");
        foreach (var c in pattern)
        {
            builder.Append(c switch
            {
                '*' => ".*",
                '%' => "[^" + Regex.Escape(separator.ToString()) + "]*",
                _ => Regex.Escape(c.ToString()),
            });
        }

        builder.Append('$');
        var text = builder.ToString();

        // INBOX matches in any case.
        if (pattern.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            text = "^(?i:INBOX)" + text[(1 + Regex.Escape("INBOX").Length)..];
        }

        return new Regex(text, RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }

    private async ValueTask StatusAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        var name = ReadMailboxName(parser);
        parser.ExpectSpace();
        var items = new List<string>();
        parser.ReadList(() => items.Add(parser.ReadAtom().ToUpperInvariant()));
        parser.ExpectEnd();
        foreach (var item in items)
        {
            if (item is not ("MESSAGES" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "RECENT" or "SIZE" or "HIGHESTMODSEQ" or "DELETED" or "MAILBOXID" or "APPENDLIMIT"))
            {
                throw new ImapParseException($"Unknown STATUS item {item}");
            }
        }

        var mailbox = await FindMailboxAsync(name).ConfigureAwait(false);
        Send(await StatusLineAsync(mailbox, items).ConfigureAwait(false));
        Ok("STATUS completed");
    }

    private async ValueTask<string> StatusLineAsync(Mailbox mailbox, List<string> items)
    {
        var values = new List<string>();
        foreach (var item in items)
        {
            switch (item)
            {
                case "MESSAGES":
                    values.Add("MESSAGES " + mailbox.TotalMessages);
                    break;
                case "UIDNEXT":
                    values.Add("UIDNEXT " + mailbox.UidNext);
                    break;
                case "UIDVALIDITY":
                    values.Add("UIDVALIDITY " + mailbox.UidValidity);
                    break;
                case "UNSEEN":
                    values.Add("UNSEEN " + mailbox.UnseenMessages);
                    break;
                case "RECENT":
                    var claimed = RecentTracker.LastClaimed(Account.AccountId, mailbox.Id);
                    var recent = mailbox.UidNext <= claimed + 1 ? 0
                        : (await Account.SearchMailboxAsync(mailbox.Id, new MailFilter.Uids([new UidRange(claimed + 1, uint.MaxValue - 1)])).ConfigureAwait(false)).Count;
                    values.Add("RECENT " + recent);
                    break;
                case "SIZE":
                    values.Add("SIZE " + mailbox.Size);
                    break;
                case "HIGHESTMODSEQ":
                    values.Add("HIGHESTMODSEQ " + mailbox.HighestModSeq);
                    break;
                case "DELETED":
                    var deleted = await Account.SearchMailboxAsync(mailbox.Id, new MailFilter.HasKeyword(MailKeywords.Deleted)).ConfigureAwait(false);
                    values.Add("DELETED " + deleted.Count);
                    break;
                case "MAILBOXID":
                    values.Add($"MAILBOXID (F{mailbox.Id})");
                    break;
                case "APPENDLIMIT":
                    values.Add("APPENDLIMIT " + Math.Min(listener.AppendLimit, uint.MaxValue));
                    break;
            }
        }

        return $"* STATUS {MailboxAString(mailbox.Name)} ({string.Join(' ', values)})";
    }

    private async ValueTask AppendAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        var name = ReadMailboxName(parser);
        var messages = new List<(List<string> Keywords, DateTimeOffset? Date, byte[] Data)>();
        while (parser.TrySpace())
        {
            messages.Add(ReadAppendMessage(parser));
        }

        parser.ExpectEnd();
        if (messages.Count == 0)
        {
            throw new ImapParseException("Missing message");
        }

        var mailbox = await FindMailboxAsync(name, "TRYCREATE").ConfigureAwait(false);
        var uids = new List<uint>();
        uint validity = 0;
        foreach (var (keywords, date, data) in messages)
        {
            using var stream = new MemoryStream(data, writable: false);
            var result = await Account.AppendAsync(mailbox.Id, stream, keywords, date).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw new ImapNoException("Over quota", "OVERQUOTA");
            }

            validity = result.UidValidity;
            uids.Add(result.Uid);
        }

        if (selected?.Id == mailbox.Id)
        {
            await SyncAsync(allowExpunge: false).ConfigureAwait(false);
        }

        Ok($"[APPENDUID {validity} {UidSet(uids)}] APPEND completed");
    }

    /// <summary>Reads <c>[flags] [date-time] literal</c> (or <c>UTF8 (literal8)</c>) of APPEND and REPLACE.</summary>
    private (List<string> Keywords, DateTimeOffset? Date, byte[] Data) ReadAppendMessage(ImapParser parser)
    {
        var keywords = new List<string>();
        DateTimeOffset? date = null;
        if (parser.Peek() == (byte)'(')
        {
            foreach (var flag in parser.ReadFlags())
            {
                keywords.Add(ToKeyword(flag));
            }

            parser.ExpectSpace();
        }

        if (parser.Peek() == (byte)'"')
        {
            var text = Encoding.ASCII.GetString(parser.ReadStringBytes());
            if (!ImapText.TryParseDateTime(text, out var parsed))
            {
                throw new ImapParseException("Invalid date-time");
            }

            date = parsed;
            parser.ExpectSpace();
        }

        byte[] data;
        if (parser.PeekLiteral())
        {
            data = parser.ReadLiteral(out _);
        }
        else
        {
            var atom = parser.ReadAtom();
            if (!atom.Equals("UTF8", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImapParseException("Expected the message as a literal");
            }

            parser.ExpectSpace();
            parser.Expect('(');
            data = parser.ReadLiteral(out _);
            parser.Expect(')');
        }

        if (data.Length > listener.AppendLimit)
        {
            throw new ImapNoException("The message is larger than APPENDLIMIT", "TOOBIG");
        }

        return (keywords, date, data);
    }

    /// <summary>REPLACE (RFC 8508): appends the new message, then expunges the one it replaces.</summary>
    private async ValueTask ReplaceAsync(ImapParser parser, bool uid)
    {
        parser.ExpectSpace();
        var set = SequenceSet.Parse(parser.ReadAtom());
        if (set.IsSaved || set.Ranges.Count != 1 || set.Ranges[0].First != set.Ranges[0].Last || set.Ranges[0].First == uint.MaxValue)
        {
            throw new ImapParseException("REPLACE takes one message number");
        }

        parser.ExpectSpace();
        var name = ReadMailboxName(parser);
        parser.ExpectSpace();
        var (keywords, date, data) = ReadAppendMessage(parser);
        parser.ExpectEnd();
        var view = Selected;
        RequireWritable(view);

        var old = ResolveSet(set, uid);
        if (old.Count == 0)
        {
            throw new ImapNoException("No such message", "NONEXISTENT");
        }

        var mailbox = await FindMailboxAsync(name, "TRYCREATE").ConfigureAwait(false);
        using var stream = new MemoryStream(data, writable: false);
        var result = await Account.AppendAsync(mailbox.Id, stream, keywords, date).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ImapNoException("Over quota", "OVERQUOTA");
        }

        Send($"* OK [APPENDUID {result.UidValidity} {result.Uid}] Replacement message ready");
        await Account.SetKeywordsAsync(view.Id, old, KeywordOperation.Add, [MailKeywords.Deleted]).ConfigureAwait(false);
        var expunged = await Account.ExpungeAsync(view.Id, old).ConfigureAwait(false);
        ReportExpunged(view, expunged);
        await SyncAsync(allowExpunge: true).ConfigureAwait(false);
        Ok("REPLACE completed");
    }

    private static string ToKeyword(string flag)
    {
        if (flag.StartsWith('\\'))
        {
            if (flag.Equals("\\Recent", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImapParseException("\\Recent cannot be stored");
            }

            try
            {
                return MailKeywords.FromImap(flag);
            }
            catch (ArgumentException)
            {
                throw new ImapParseException($"{flag} is not a flag that can be stored");
            }
        }

        if (!MailKeywords.IsValid(flag))
        {
            throw new ImapParseException($"'{flag}' is not a valid keyword");
        }

        return MailKeywords.Normalize(flag);
    }

    private async ValueTask QuotaAsync(string command, ImapParser parser)
    {
        parser.ExpectSpace();
        if (command == "SETQUOTA")
        {
            parser.ReadAString();
            parser.ExpectSpace();
            parser.ReadList(() => parser.ReadAtom());
            parser.ExpectEnd();
            throw new ImapNoException("Quotas are set by the administrator", "NOPERM");
        }

        var argument = command == "GETQUOTAROOT" ? ReadMailboxName(parser) : parser.ReadAString();
        parser.ExpectEnd();
        if (command == "GETQUOTAROOT")
        {
            var mailbox = await FindMailboxAsync(argument).ConfigureAwait(false);
            Send($"* QUOTAROOT {MailboxAString(mailbox.Name)} \"\"");
        }
        else if (argument.Length != 0)
        {
            throw new ImapNoException("No such quota root", "NONEXISTENT");
        }

        var usage = await Account.GetQuotaAsync().ConfigureAwait(false);
        var resources = new List<string>();
        if (usage.Limits.StorageBytes is { } bytes)
        {
            resources.Add($"STORAGE {(usage.StorageBytes + 1023) / 1024} {bytes / 1024}");
        }

        if (usage.Limits.Messages is { } count)
        {
            resources.Add($"MESSAGE {usage.Messages} {count}");
        }

        Send($"* QUOTA \"\" ({string.Join(' ', resources)})");
        Ok($"{command} completed");
    }
}

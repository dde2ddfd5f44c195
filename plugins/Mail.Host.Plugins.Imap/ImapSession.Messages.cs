using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>STORE, COPY, MOVE, SEARCH, SORT and THREAD.</summary>
internal sealed partial class ImapSession
{
    private async ValueTask StoreAsync(ImapParser parser, bool uid)
    {
        parser.ExpectSpace();
        var set = SequenceSet.Parse(parser.ReadAtom());
        parser.ExpectSpace();
        ulong? unchangedSince = null;
        if (parser.Peek() == (byte)'(')
        {
            parser.ReadList(() =>
            {
                var modifier = parser.ReadAtom().ToUpperInvariant();
                if (modifier != "UNCHANGEDSINCE")
                {
                    throw new ImapParseException($"Unknown STORE modifier {modifier}");
                }

                parser.ExpectSpace();
                unchangedSince = parser.ReadNumber64();
            });
            parser.ExpectSpace();
        }

        var action = parser.ReadAtom().ToUpperInvariant();
        var silent = action.EndsWith(".SILENT", StringComparison.Ordinal);
        var operation = (silent ? action[..^7] : action) switch
        {
            "FLAGS" => KeywordOperation.Replace,
            "+FLAGS" => KeywordOperation.Add,
            "-FLAGS" => KeywordOperation.Remove,
            _ => throw new ImapParseException("Expected FLAGS, +FLAGS or -FLAGS"),
        };
        parser.ExpectSpace();
        var keywords = new List<string>();
        if (parser.Peek() == (byte)'(')
        {
            foreach (var flag in parser.ReadFlags())
            {
                if (!flag.Equals("\\Recent", StringComparison.OrdinalIgnoreCase))
                {
                    keywords.Add(ToKeyword(flag));
                }
            }
        }
        else
        {
            do
            {
                var flag = parser.ReadAtom();
                if (!flag.Equals("\\Recent", StringComparison.OrdinalIgnoreCase))
                {
                    keywords.Add(ToKeyword(flag));
                }
            }
            while (parser.TrySpace());
        }

        parser.ExpectEnd();
        if (unchangedSince is not null)
        {
            condStore = true;
        }

        await SyncAsync(allowExpunge: uid, force: false).ConfigureAwait(false);
        var view = Selected;
        RequireWritable(view);

        var uids = ResolveSet(set, uid);
        var result = uids.Count == 0
            ? new KeywordUpdateResult()
            : await Account.SetKeywordsAsync(view.Id, uids, operation, keywords, unchangedSince).ConfigureAwait(false);
        var updated = result.Updated.ToDictionary(m => m.Uid);
        var newKeywords = false;
        foreach (var message in result.Updated)
        {
            view.Messages[message.Uid] = (message.Keywords, message.ModSeq);
            foreach (var keyword in message.Keywords)
            {
                newKeywords |= view.Keywords.Add(keyword) && !IsSystemKeyword(keyword);
            }
        }

        if (newKeywords)
        {
            Send($"* FLAGS ({FlagList(view)})");
        }

        var modified = result.Modified.ToHashSet();
        foreach (var id in uids)
        {
            if (modified.Contains(id))
            {
                continue;
            }

            var sequence = view.SequenceOf(id);
            if (sequence == 0 || !view.Messages.TryGetValue(id, out var current))
            {
                continue;
            }

            // Silent stores are not echoed, except to report a mod-sequence the client did not cause alone.
            if (silent && !(condStore && unchangedSince is not null && updated.ContainsKey(id)))
            {
                continue;
            }

            var line = new StringBuilder($"* {sequence} FETCH (");
            if (!silent)
            {
                line.Append("FLAGS (").Append(Flags(current.Keywords, id)).Append(')');
            }

            if (uid)
            {
                line.Append(line[^1] == '(' ? string.Empty : " ").Append("UID ").Append(id);
            }

            if (condStore)
            {
                line.Append(line[^1] == '(' ? string.Empty : " ").Append("MODSEQ (").Append(current.ModSeq).Append(')');
            }

            Send(line.Append(')').ToString());
        }

        if (result.Modified.Count > 0)
        {
            var names = uid ? result.Modified : result.Modified.Select(view.SequenceOf).Where(n => n > 0).ToList();
            Ok($"[MODIFIED {UidSet(names)}] Conditional STORE failed for some messages");
            return;
        }

        Ok("STORE completed");
    }

    private async ValueTask CopyAsync(ImapParser parser, bool uid, bool move)
    {
        parser.ExpectSpace();
        var set = SequenceSet.Parse(parser.ReadAtom());
        parser.ExpectSpace();
        var name = ReadMailboxName(parser);
        parser.ExpectEnd();
        await SyncAsync(allowExpunge: uid, force: false).ConfigureAwait(false);
        var view = Selected;
        var uids = ResolveSet(set, uid);
        var destination = await FindMailboxAsync(name, "TRYCREATE").ConfigureAwait(false);
        if (move)
        {
            RequireWritable(view);
        }

        if (uids.Count == 0)
        {
            Ok($"{(move ? "MOVE" : "COPY")} completed; no messages");
            return;
        }

        var result = move
            ? await Account.MoveAsync(view.Id, uids, destination.Id).ConfigureAwait(false)
            : await Account.CopyAsync(view.Id, uids, destination.Id).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ImapNoException("Over quota", "OVERQUOTA");
        }

        var code = result.SourceUids.Count == 0 ? string.Empty : $"[COPYUID {result.UidValidity} {UidList(result.SourceUids)} {UidList(result.DestinationUids)}] ";
        if (!move)
        {
            if (destination.Id == view.Id)
            {
                await SyncAsync(allowExpunge: uid, force: true).ConfigureAwait(false);
            }

            Ok(code + "COPY completed");
            return;
        }

        Send($"* OK {code}Moved");
        ReportExpunged(view, result.SourceUids);
        if (destination.Id == view.Id)
        {
            await SyncAsync(allowExpunge: true, force: true).ConfigureAwait(false);
        }

        Ok("MOVE completed");
    }

    /// <summary>UIDs in the order given (COPYUID pairs them by position), ranges where they run on.</summary>
    private static string UidList(IReadOnlyList<uint> uids)
    {
        var builder = new StringBuilder();
        var i = 0;
        while (i < uids.Count)
        {
            var j = i;
            while (j + 1 < uids.Count && uids[j + 1] == uids[j] + 1)
            {
                j++;
            }

            AppendRange(builder, uids[i], uids[j]);
            i = j + 1;
        }

        return builder.ToString();
    }

    private async ValueTask SearchAsync(ImapParser parser, bool uid, CancellationToken stopping)
    {
        parser.ExpectSpace();
        var returns = ReadReturnOptions(parser);
        var filter = ReadSearchProgram(parser, out var usesModSeq);
        await SyncAsync(allowExpunge: uid, force: false).ConfigureAwait(false);
        var view = Selected;
        var found = await Account.SearchMailboxAsync(view.Id, filter, cancellationToken: stopping).ConfigureAwait(false);
        var matched = found.Where(u => view.SequenceOf(u) > 0).ToList();
        await AnswerSearchAsync("SEARCH", matched, uid, returns, usesModSeq, view).ConfigureAwait(false);
    }

    private async ValueTask AnswerSearchAsync(string command, List<uint> matched, bool uid, List<string>? returns, bool usesModSeq, SelectedMailbox view)
    {
        ulong highest = 0;
        if (usesModSeq && matched.Count > 0)
        {
            foreach (var u in matched)
            {
                if (view.Messages.TryGetValue(u, out var state))
                {
                    highest = Math.Max(highest, state.ModSeq);
                }
            }
        }

        if (returns is null && rev2)
        {
            returns = ["ALL"];
        }

        if (returns is null)
        {
            var numbers = uid ? matched.Select(u => (long)u) : matched.Select(u => (long)view.SequenceOf(u));
            var line = new StringBuilder("* ").Append(command);
            foreach (var n in numbers)
            {
                line.Append(' ').Append(n);
            }

            if (usesModSeq && matched.Count > 0)
            {
                line.Append(" (MODSEQ ").Append(highest).Append(')');
            }

            Send(line.ToString());
            Ok($"{command} completed");
            return;
        }

        if (returns.Count == 0)
        {
            returns = ["ALL"];
        }

        if (returns.Contains("SAVE"))
        {
            view.Saved = command == "SEARCH" || !returns.Any(r => r is "MIN" or "MAX") ? [.. matched] : [];
            if (returns.Contains("MIN") || returns.Contains("MAX"))
            {
                var keep = new List<uint>();
                if (returns.Contains("MIN") && matched.Count > 0)
                {
                    keep.Add(command == "SEARCH" ? matched.Min() : matched[0]);
                }

                if (returns.Contains("MAX") && matched.Count > 0)
                {
                    keep.Add(command == "SEARCH" ? matched.Max() : matched[^1]);
                }

                view.Saved = [.. keep.Distinct().Order()];
            }

            if (returns.All(r => r == "SAVE"))
            {
                Ok($"{command} completed");
                await ValueTask.CompletedTask.ConfigureAwait(false);
                return;
            }
        }

        var response = new StringBuilder("* ESEARCH (TAG ").AppendString(tag, utf8: false).Append(')');
        if (uid)
        {
            response.Append(" UID");
        }

        var values = matched.Select(u => uid ? u : view.SequenceOf(u)).ToList();
        if (values.Count > 0)
        {
            if (returns.Contains("MIN"))
            {
                response.Append(" MIN ").Append(command == "SEARCH" ? values.Min() : values[0]);
            }

            if (returns.Contains("MAX"))
            {
                response.Append(" MAX ").Append(command == "SEARCH" ? values.Max() : values[^1]);
            }
        }

        if (returns.Contains("COUNT"))
        {
            response.Append(" COUNT ").Append(values.Count);
        }

        if (returns.Contains("ALL") && values.Count > 0)
        {
            response.Append(" ALL ").Append(command == "SEARCH" ? UidSet(values) : OrderedSet(values));
        }

        if (usesModSeq && values.Count > 0)
        {
            response.Append(" MODSEQ ").Append(highest);
        }

        Send(response.ToString());
        Ok($"{command} completed");
    }

    private static List<string>? ReadReturnOptions(ImapParser parser)
    {
        if (!PeekWord(parser, "RETURN"))
        {
            return null;
        }

        parser.ReadAtom();
        parser.ExpectSpace();
        var returns = new List<string>();
        parser.ReadList(() =>
        {
            var option = parser.ReadAtom().ToUpperInvariant();
            if (option is not ("MIN" or "MAX" or "ALL" or "COUNT" or "SAVE"))
            {
                throw new ImapParseException($"Unknown RETURN option {option}");
            }

            returns.Add(option);
        });
        parser.ExpectSpace();
        return returns;
    }

    private static bool PeekWord(ImapParser parser, string word)
    {
        var rest = parser.Rest();
        return rest.StartsWith(word + " ", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads <c>[CHARSET x] key...</c> up to the end of the command.</summary>
    private MailFilter ReadSearchProgram(ImapParser parser, out bool usesModSeq)
    {
        if (PeekWord(parser, "CHARSET"))
        {
            parser.ReadAtom();
            parser.ExpectSpace();
            var charset = parser.ReadAString();
            if (!charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImapNoException("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
            }

            parser.ExpectSpace();
        }

        return ReadSearchProgramWithoutCharset(parser, out usesModSeq);
    }

    private MailFilter ReadSearchKey(ImapParser parser, ref bool usesModSeq)
    {
        if (parser.Peek() == (byte)'(')
        {
            var inner = new List<MailFilter>();
            parser.Expect('(');
            do
            {
                inner.Add(ReadSearchKey(parser, ref usesModSeq));
            }
            while (parser.TrySpace());

            parser.Expect(')');
            return inner.Count == 1 ? inner[0] : new MailFilter.And(inner);
        }

        var atom = parser.ReadAtom();
        if (SequenceSet.LooksLike(atom))
        {
            return UidFilter(ResolveSearchSet(SequenceSet.Parse(atom), uid: false));
        }

        var key = atom.ToUpperInvariant();
        switch (key)
        {
            case "ALL":
                return MailFilter.All;
            case "OLD":
                return new MailFilter.Not(UidFilter([.. Selected.Recent]));
            case "NEW":
                return new MailFilter.And([UidFilter([.. Selected.Recent]), MailFilter.NotKeyword(MailKeywords.Seen)]);
            case "RECENT":
                return UidFilter([.. Selected.Recent]);
            case "ANSWERED":
                return new MailFilter.HasKeyword(MailKeywords.Answered);
            case "DELETED":
                return new MailFilter.HasKeyword(MailKeywords.Deleted);
            case "DRAFT":
                return new MailFilter.HasKeyword(MailKeywords.Draft);
            case "FLAGGED":
                return new MailFilter.HasKeyword(MailKeywords.Flagged);
            case "SEEN":
                return new MailFilter.HasKeyword(MailKeywords.Seen);
            case "UNANSWERED":
                return MailFilter.NotKeyword(MailKeywords.Answered);
            case "UNDELETED":
                return MailFilter.NotKeyword(MailKeywords.Deleted);
            case "UNDRAFT":
                return MailFilter.NotKeyword(MailKeywords.Draft);
            case "UNFLAGGED":
                return MailFilter.NotKeyword(MailKeywords.Flagged);
            case "UNSEEN":
                return MailFilter.NotKeyword(MailKeywords.Seen);
            case "KEYWORD":
            case "UNKEYWORD":
                parser.ExpectSpace();
                var keyword = parser.ReadAtom();
                var has = new MailFilter.HasKeyword(MailKeywords.IsValid(keyword) ? MailKeywords.Normalize(keyword) : keyword.ToLowerInvariant());
                return key == "KEYWORD" ? has : new MailFilter.Not(has);
            case "BCC":
                return Text(parser, MailTextField.Bcc);
            case "CC":
                return Text(parser, MailTextField.Cc);
            case "FROM":
                return Text(parser, MailTextField.From);
            case "TO":
                return Text(parser, MailTextField.To);
            case "SUBJECT":
                return Text(parser, MailTextField.Subject);
            case "BODY":
                return Text(parser, MailTextField.Body);
            case "TEXT":
                return Text(parser, MailTextField.Any);
            case "HEADER":
                parser.ExpectSpace();
                var field = parser.ReadAString();
                parser.ExpectSpace();
                var value = parser.ReadAString();
                return new MailFilter.Header(field, value);
            case "BEFORE":
                return new MailFilter.Received(null, DayStart(ReadDate(parser)));
            case "ON":
                return MailFilter.ReceivedOn(ReadDate(parser), TimeSpan.Zero);
            case "SINCE":
                return new MailFilter.Received(DayStart(ReadDate(parser)), null);
            case "SENTBEFORE":
                return new MailFilter.SentDay(null, ReadDate(parser).AddDays(-1));
            case "SENTON":
                var day = ReadDate(parser);
                return new MailFilter.SentDay(day, day);
            case "SENTSINCE":
                return new MailFilter.SentDay(ReadDate(parser), null);
            case "LARGER":
                parser.ExpectSpace();
                return new MailFilter.Size((long)parser.ReadNumber64() + 1, null);
            case "SMALLER":
                parser.ExpectSpace();
                return new MailFilter.Size(null, (long)parser.ReadNumber64());
            case "OLDER":
                parser.ExpectSpace();
                return new MailFilter.Received(null, DateTimeOffset.UtcNow.AddSeconds(-parser.ReadNumber()));
            case "YOUNGER":
                parser.ExpectSpace();
                return new MailFilter.Received(DateTimeOffset.UtcNow.AddSeconds(-parser.ReadNumber()), null);
            case "NOT":
                parser.ExpectSpace();
                return new MailFilter.Not(ReadSearchKey(parser, ref usesModSeq));
            case "OR":
                parser.ExpectSpace();
                var left = ReadSearchKey(parser, ref usesModSeq);
                parser.ExpectSpace();
                var right = ReadSearchKey(parser, ref usesModSeq);
                return new MailFilter.Or([left, right]);
            case "UID":
                parser.ExpectSpace();
                return UidFilter(ResolveSearchSet(SequenceSet.Parse(parser.ReadAtom()), uid: true));
            case "MODSEQ":
                parser.ExpectSpace();
                if (parser.Peek() == (byte)'"')
                {
                    parser.ReadAString();
                    parser.ExpectSpace();
                    var type = parser.ReadAtom().ToLowerInvariant();
                    if (type is not ("priv" or "shared" or "all"))
                    {
                        throw new ImapParseException("Invalid MODSEQ entry type");
                    }

                    parser.ExpectSpace();
                }

                usesModSeq = true;
                condStore = true;
                return new MailFilter.ModSeqAtLeast(parser.ReadNumber64() + 1);
            case "EMAILID":
                parser.ExpectSpace();
                var emailId = parser.ReadAtom();
                return emailId.Length > 1 && emailId[0] == 'M' && ulong.TryParse(emailId.AsSpan(1), out var id)
                    ? new MailFilter.EmailIds([id])
                    : new MailFilter.Uids([]);
            default:
                throw new ImapParseException($"Unknown search key {(key.Length > 32 ? key[..32] : key)}");
        }
    }

    private static MailFilter Text(ImapParser parser, MailTextField field)
    {
        parser.ExpectSpace();
        var value = parser.ReadAString();
        return new MailFilter.Substring(field, value);
    }

    private static DateOnly ReadDate(ImapParser parser)
    {
        parser.ExpectSpace();
        var text = parser.ReadAString();
        if (!ImapText.TryParseDate(text, out var date))
        {
            throw new ImapParseException($"Invalid date '{text}'");
        }

        return date;
    }

    private static DateTimeOffset DayStart(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private List<uint> ResolveSearchSet(SequenceSet set, bool uid)
    {
        var view = Selected;
        if (set.IsSaved)
        {
            return [.. view.Saved];
        }

        if (uid)
        {
            return ResolveSet(set, uid: true);
        }

        // In SEARCH, numbers past the end match nothing rather than being an error.
        var result = new List<uint>();
        var exists = view.Exists;
        foreach (var (first, last) in set.Ranges)
        {
            var a = first == uint.MaxValue ? exists : first;
            var b = last == uint.MaxValue ? exists : last;
            if (a > b)
            {
                (a, b) = (b, a);
            }

            for (var n = Math.Max(a, 1); n <= Math.Min(b, exists); n++)
            {
                result.Add(view.Uids[(int)n - 1]);
            }
        }

        return result;
    }

    private static MailFilter.Uids UidFilter(List<uint> uids)
    {
        uids.Sort();
        var ranges = new List<UidRange>();
        var i = 0;
        while (i < uids.Count)
        {
            var j = i;
            while (j + 1 < uids.Count && uids[j + 1] <= uids[j] + 1)
            {
                j++;
            }

            ranges.Add(new UidRange(uids[i], uids[j]));
            i = j + 1;
        }

        return new MailFilter.Uids(ranges);
    }

    private async ValueTask SortAsync(ImapParser parser, bool uid, CancellationToken stopping)
    {
        parser.ExpectSpace();
        var returns = ReadReturnOptions(parser);
        var criteria = new List<MailSort>();
        var reverse = false;
        parser.ReadList(() =>
        {
            var key = parser.ReadAtom().ToUpperInvariant();
            if (key == "REVERSE")
            {
                reverse = true;
                return;
            }

            var sortKey = key switch
            {
                "ARRIVAL" => MailSortKey.ReceivedAt,
                "DATE" => MailSortKey.SentAt,
                "SIZE" => MailSortKey.Size,
                "SUBJECT" => MailSortKey.Subject,
                "FROM" => MailSortKey.From,
                "TO" => MailSortKey.To,
                "CC" => MailSortKey.Cc,
                "DISPLAYFROM" => MailSortKey.DisplayFrom,
                "DISPLAYTO" => MailSortKey.DisplayTo,
                _ => throw new ImapParseException($"Unknown sort key {key}"),
            };
            criteria.Add(new MailSort(sortKey, reverse));
            reverse = false;
        });
        if (criteria.Count == 0 || reverse)
        {
            throw new ImapParseException("Invalid sort criteria");
        }

        parser.ExpectSpace();
        var charset = parser.ReadAString();
        if (!charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImapNoException("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
        }

        parser.ExpectSpace();
        var filter = ReadSearchProgramWithoutCharset(parser, out var usesModSeq);
        await SyncAsync(allowExpunge: uid, force: false).ConfigureAwait(false);
        var view = Selected;
        var found = await Account.SearchMailboxAsync(view.Id, filter, criteria, stopping).ConfigureAwait(false);
        var matched = found.Where(u => view.SequenceOf(u) > 0).ToList();
        if (returns is not null)
        {
            await AnswerSearchAsync("SORT", matched, uid, returns, usesModSeq, view).ConfigureAwait(false);
            return;
        }

        var line = new StringBuilder("* SORT");
        foreach (var u in matched)
        {
            line.Append(' ').Append(uid ? u : view.SequenceOf(u));
        }

        Send(line.ToString());
        Ok("SORT completed");
    }

    private MailFilter ReadSearchProgramWithoutCharset(ImapParser parser, out bool usesModSeq)
    {
        var modSeq = false;
        var keys = new List<MailFilter>();
        do
        {
            keys.Add(ReadSearchKey(parser, ref modSeq));
        }
        while (parser.TrySpace());

        parser.ExpectEnd();
        usesModSeq = modSeq;
        return keys.Count == 1 ? keys[0] : new MailFilter.And(keys);
    }

    private async ValueTask ThreadAsync(ImapParser parser, bool uid, CancellationToken stopping)
    {
        parser.ExpectSpace();
        var algorithm = parser.ReadAtom().ToUpperInvariant();
        if (algorithm is not ("ORDEREDSUBJECT" or "REFERENCES"))
        {
            throw new ImapParseException($"Unknown threading algorithm {algorithm}");
        }

        parser.ExpectSpace();
        var charset = parser.ReadAString();
        if (!charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImapNoException("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
        }

        parser.ExpectSpace();
        var filter = ReadSearchProgramWithoutCharset(parser, out _);
        await SyncAsync(allowExpunge: uid, force: false).ConfigureAwait(false);
        var view = Selected;
        var found = (await Account.SearchMailboxAsync(view.Id, filter, cancellationToken: stopping).ConfigureAwait(false)).Where(u => view.SequenceOf(u) > 0).ToList();
        var entries = new List<ThreadBuilder.Entry>(found.Count);
        foreach (var batch in found.Chunk(512))
        {
            var byUid = new Dictionary<uint, (ulong EmailId, DateTimeOffset Internal)>();
            await foreach (var message in Account.GetMessagesAsync(view.Id, batch[0], batch[^1]).ConfigureAwait(false))
            {
                byUid[message.Uid] = (message.EmailId, message.InternalDate);
            }

            var ids = batch.Where(byUid.ContainsKey).Select(u => byUid[u].EmailId).ToList();
            var emails = (await Account.GetEmailsAsync(ids).ConfigureAwait(false)).ToDictionary(e => e.Id);
            foreach (var u in batch)
            {
                if (byUid.TryGetValue(u, out var info) && emails.TryGetValue(info.EmailId, out var email))
                {
                    var envelope = email.Metadata.Envelope;
                    entries.Add(new ThreadBuilder.Entry(
                        uid ? u : view.SequenceOf(u),
                        envelope.Subject ?? string.Empty,
                        envelope.Date ?? info.Internal,
                        envelope.MessageId,
                        envelope.References.Count > 0 ? envelope.References : envelope.InReplyTo));
                }
            }
        }

        var threads = algorithm == "ORDEREDSUBJECT" ? ThreadBuilder.OrderedSubject(entries) : ThreadBuilder.References(entries);
        Send("* THREAD " + threads);
        Ok("THREAD completed");
    }
}

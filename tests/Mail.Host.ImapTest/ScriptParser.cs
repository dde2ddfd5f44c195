using System.Text;

namespace Mail.Host.ImapTest;

/// <summary>
/// Reads a script in imaptest's format: a header of <c>key: value</c> lines up to the first empty line, then command
/// groups (the three methods of the format: <c>ok|no|bad|"" command</c>; <c>command</c> then untagged lines then
/// <c>ok [prefix]</c>; <c>tagN command</c> lines pipelined then <c>tagN ok</c>), untagged lines <c>*</c> (must),
/// <c>!</c> (must not), <c>?</c> (may), multi-line literals between <c>{{{</c> and <c>}}}</c> (<c>~{{{</c> for
/// literal8, kept byte for byte), <c>!ifenv</c>/<c>!ifnenv</c>/<c>!else</c>/<c>!endif</c>, and comments.
/// </summary>
internal static class ScriptParser
{
    public static Script Parse(string path, string defaultMbox, Func<string, bool> environmentHas)
    {
        var name = Path.GetFileName(path);
        var mbox = path + ".mbox";
        var script = new Script { Name = name, MboxPath = File.Exists(mbox) ? mbox : defaultMbox };
        var text = Encoding.Latin1.GetString(File.ReadAllBytes(path));
        var state = new ParserState(script, name, environmentHas);
        var lines = text.Split('\n');
        var count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;

        var header = true;
        StringBuilder? logical = null;
        List<string> literals = [];
        List<string>? literalLines = null;
        var binary = false;
        var startLine = 0;
        for (var index = 0; index < count; index++)
        {
            var raw = lines[index];
            var lineNumber = index + 1;
            if (literalLines is not null)
            {
                if (!raw.StartsWith("}}}", StringComparison.Ordinal))
                {
                    literalLines.Add(raw);
                    continue;
                }

                literals.Add(LiteralContent(literalLines, binary));
                literalLines = null;
                var rest = raw[3..].TrimEnd('\r');
                if (OpensLiteral(rest, out var before, out binary))
                {
                    logical!.Append(before).Append(binary ? ImapTokenizer.Literal8Marker : ImapTokenizer.LiteralMarker);
                    literalLines = [];
                    continue;
                }

                logical!.Append(rest);
            }
            else
            {
                var line = raw.TrimEnd('\r');
                startLine = lineNumber;
                if (line.Length == 0)
                {
                    header = false;
                    continue;
                }

                if (line[0] == '#')
                {
                    continue;
                }

                if (OpensLiteral(line, out var before, out binary))
                {
                    logical = new StringBuilder(before).Append(binary ? ImapTokenizer.Literal8Marker : ImapTokenizer.LiteralMarker);
                    literals = [];
                    literalLines = [];
                    continue;
                }

                logical = new StringBuilder(line);
                literals = [];
            }

            if (header)
            {
                state.Header(logical.ToString(), startLine);
            }
            else
            {
                state.CommandLine(logical.ToString(), literals, startLine);
            }

            logical = null;
        }

        if (literalLines is not null)
        {
            throw new ScriptFormatException($"{name} line {startLine}: a literal ({{{{{{) is never closed with }}}}}}");
        }

        state.Finish();
        return script;
    }

    private static bool OpensLiteral(string line, out string before, out bool binary)
    {
        binary = false;
        before = line;
        if (!line.EndsWith("{{{", StringComparison.Ordinal))
        {
            return false;
        }

        before = line[..^3];
        if (before.EndsWith('~'))
        {
            binary = true;
            before = before[..^1];
        }

        return true;
    }

    /// <summary>
    /// A literal's bytes: its lines joined with CRLF (a ~{{{ literal keeps the file's own line ends byte for byte),
    /// without the line end before the closing }}}.
    /// </summary>
    private static string LiteralContent(List<string> lines, bool binary)
    {
        if (binary)
        {
            return string.Join('\n', lines);
        }

        return string.Join("\r\n", lines.Select(l => l.TrimEnd('\r')));
    }

    private sealed class ParserState(Script script, string name, Func<string, bool> environmentHas)
    {
        private readonly Stack<(bool Skip, bool ElseSeen, int Line)> conditions = new();
        private ScriptGroup? group;
        private bool skip;
        private int connectionsFromHeader = 1;

        public void Header(string line, int lineNumber)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw Error(lineNumber, "a header line needs 'key: value' (end the header with an empty line)");
            }

            var key = line[..colon].TrimEnd(' ').ToLowerInvariant();
            var value = line[(colon + 1)..].TrimStart(' ');
            switch (key)
            {
                case "capabilities":
                    script.RequiredCapabilities.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                    break;
                case "connections":
                    if (!int.TryParse(value, out var connections) || connections < 1 || connections > 100)
                    {
                        throw Error(lineNumber, "connections: must be 1 to 100");
                    }

                    script.ConnectionCount = connectionsFromHeader = connections;
                    break;
                case "ignore_extra_untagged":
                    script.IgnoreExtraUntagged = value.StartsWith('y');
                    break;
                case "messages":
                    script.MessageCount = value == "all" ? int.MaxValue : int.TryParse(value, out var messages) ? messages : 0;
                    break;
                case "state":
                    script.State = value.ToLowerInvariant() switch
                    {
                        "nonauth" => ScriptState.NonAuth,
                        "auth" => ScriptState.Auth,
                        "created" => ScriptState.Created,
                        "appended" => ScriptState.Appended,
                        "selected" => ScriptState.Selected,
                        _ => throw Error(lineNumber, $"unknown state '{value}' (nonauth, auth, created, appended, selected)"),
                    };
                    break;
                default:
                    if (key.StartsWith("user ", StringComparison.Ordinal) && int.TryParse(key[5..], out var index) && index is > 0 and <= 100)
                    {
                        if (value is "$user2" or "${user2}")
                        {
                            script.RequiresUser2 = true;
                        }

                        script.ConnectionUsers[index - 1] = value;
                        break;
                    }

                    throw Error(lineNumber, $"unknown header '{key}'");
            }
        }

        public void CommandLine(string line, List<string> literals, int lineNumber)
        {
            if (Directive(line, lineNumber))
            {
                return;
            }

            if (skip)
            {
                return;
            }

            if (group is not null)
            {
                if (line.StartsWith("!sleep ", StringComparison.Ordinal))
                {
                    group.SleepMilliseconds = int.TryParse(line[7..].Trim().TrimEnd('s', 'm'), out var ms) ? ms : 0;
                    return;
                }

                if (line.StartsWith("!output ", StringComparison.Ordinal))
                {
                    group.Output.Add(line[8..]);
                    return;
                }

                if (line == "!ordered")
                {
                    group.UntaggedOrdered = true;
                    return;
                }

                if (IsUntagged(line, out var existence))
                {
                    AddUntagged(line[2..], literals, existence, lineNumber);
                    return;
                }

                if (group.RepliesPending > 0)
                {
                    var rest = line;
                    var replyConnection = 0;
                    if (script.ConnectionCount > 1 && LeadingNumber(rest, out replyConnection, out var afterNumber))
                    {
                        rest = afterNumber;
                    }

                    if (ReplyPrefix(rest, out var tag, out _))
                    {
                        if (script.ConnectionCount > 1)
                        {
                            if (replyConnection == 0)
                            {
                                throw Error(lineNumber, "a reply needs its connection number");
                            }

                            if (replyConnection - 1 != group.Connection)
                            {
                                throw Error(lineNumber, "a reply for another connection than its command's");
                            }
                        }

                        var command = group.Commands.FirstOrDefault(c => c.Tag == tag)
                            ?? throw Error(lineNumber, "a reply for an unknown tag");
                        if (command.Reply is not null)
                        {
                            throw Error(lineNumber, "the command already has a reply");
                        }

                        var replyArgs = ImapTokenizer.Parse(rest, literals);
                        command.Reply = tag == 0 ? replyArgs : replyArgs.Skip(1).ToList();
                        group.RepliesPending--;
                        return;
                    }
                }
            }

            if (group is null || group.RepliesPending == 0)
            {
                group = new ScriptGroup();
                script.Groups.Add(group);
            }

            var text = line;
            if (script.ConnectionCount > 1)
            {
                if (!LeadingNumber(text, out var connection, out var afterConnection) || connection == 0)
                {
                    throw Error(lineNumber, "with several connections every command starts with its connection number");
                }

                if (connection > 100)
                {
                    throw Error(lineNumber, "too many connections");
                }

                if (group.Commands.Count > 0 && group.Connection != connection - 1)
                {
                    throw Error(lineNumber, "all pipelined commands must use the same connection");
                }

                group.Connection = connection - 1;
                script.ConnectionCount = Math.Max(script.ConnectionCount, connection);
                text = afterConnection;
            }

            List<ImapToken>? reply = null;
            var commandTag = 0;
            if (ReplyPrefix(text, out commandTag, out var afterReply))
            {
                reply = [ImapTokenizer.Parse(StatusWord(text), [])[0]];
                text = afterReply;
            }
            else if (TagPrefix(text, out commandTag, out var afterTag))
            {
                text = afterTag;
            }

            if (commandTag == 0)
            {
                if (group.RepliesPending > 0)
                {
                    throw Error(lineNumber, "the previous command group is missing a reply");
                }
            }
            else if (group.Commands.Any(c => c.Tag == commandTag))
            {
                throw Error(lineNumber, "a tag is reused within a command group");
            }

            if (group.Commands.Count == 0 && IsUntagged(text, out var bannerExistence))
            {
                script.HasBannerCheck = true;
                AddUntagged(text[2..], literals, bannerExistence, lineNumber);
                return;
            }

            if (reply is null)
            {
                group.RepliesPending++;
            }

            group.Commands.Add(new ScriptCommand { Line = lineNumber, Tag = commandTag, Text = text, Literals = literals, Reply = reply });
        }

        public void Finish()
        {
            if (conditions.Count > 0)
            {
                throw Error(conditions.Peek().Line, "!ifenv is not closed with !endif");
            }

            if (script.Groups.Count == 0)
            {
                throw new ScriptFormatException($"{name}: no commands");
            }

            if (group is { RepliesPending: > 0 })
            {
                var missing = group.Commands.First(c => c.Reply is null);
                throw Error(missing.Line, "the command has no reply line");
            }

            // Like imaptest: a LOGOUT on the first connection ends every script that does not log out itself.
            var hasLogout = script.Groups.Any(g => g.HasUntaggedBye || g.Commands.Any(c => c.Text.Equals("logout", StringComparison.OrdinalIgnoreCase)));
            if (!hasLogout)
            {
                var logout = new ScriptGroup { Connection = 0 };
                logout.Commands.Add(new ScriptCommand { Line = 0, Tag = 0, Text = "logout", Literals = [], Reply = [ImapToken.Value(ImapTokenKind.Atom, "ok")] });
                script.Groups.Add(logout);
            }

            _ = connectionsFromHeader;
        }

        private bool Directive(string line, int lineNumber)
        {
            if (line.StartsWith("!ifenv ", StringComparison.Ordinal) || line.StartsWith("!ifnenv ", StringComparison.Ordinal))
            {
                var negated = line.StartsWith("!ifnenv ", StringComparison.Ordinal);
                var variable = line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..].Trim();
                var holds = environmentHas(variable) != negated;
                conditions.Push((skip, false, lineNumber));
                if (!holds)
                {
                    skip = true;
                }

                return true;
            }

            if (line == "!else")
            {
                if (conditions.Count == 0)
                {
                    throw Error(lineNumber, "!else without !ifenv");
                }

                var top = conditions.Pop();
                if (top.ElseSeen)
                {
                    throw Error(lineNumber, "a second !else");
                }

                conditions.Push((top.Skip, true, top.Line));
                if (!top.Skip)
                {
                    skip = !skip;
                }

                return true;
            }

            if (line == "!endif")
            {
                if (conditions.Count == 0)
                {
                    throw Error(lineNumber, "!endif without !ifenv");
                }

                skip = conditions.Pop().Skip;
                return true;
            }

            return false;
        }

        private void AddUntagged(string line, List<string> literals, Existence existence, int lineNumber)
        {
            var args = ImapTokenizer.Parse(line, literals);
            var reply = args.Count > 0 && args[0].IsString ? args[0].Text : "";
            if (reply.Length > 0 && (reply[0] == '$' || char.IsAsciiDigit(reply[0])))
            {
                reply = args.Count > 1 && args[1].IsString ? args[1].Text : "";
            }

            reply = reply.ToLowerInvariant();
            args = DefaultDirectives.Apply(args, reply);
            if (reply.StartsWith("bye", StringComparison.Ordinal))
            {
                if (existence == Existence.Must)
                {
                    group!.HasUntaggedBye = true;
                }
                else if (existence == Existence.May)
                {
                    throw Error(lineNumber, "'? BYE' is not supported");
                }
            }

            group!.Untagged.Add(new ExpectedUntagged { Existence = existence, Arguments = args, Line = lineNumber });
        }

        private static bool IsUntagged(string line, out Existence existence)
        {
            existence = Existence.Must;
            if (line.StartsWith("* ", StringComparison.Ordinal))
            {
                return true;
            }

            if (line.StartsWith("! ", StringComparison.Ordinal))
            {
                existence = Existence.MustNot;
                return true;
            }

            if (line.StartsWith("? ", StringComparison.Ordinal))
            {
                existence = Existence.May;
                return true;
            }

            return false;
        }

        private static bool LeadingNumber(string line, out int number, out string rest)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var word = space < 0 ? line : line[..space];
            rest = space < 0 ? "" : line[(space + 1)..];
            return int.TryParse(word, System.Globalization.NumberStyles.None, null, out number) && number > 0;
        }

        private static bool TagPrefix(string line, out int tag, out string rest)
        {
            tag = 0;
            rest = line;
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var word = space < 0 ? line : line[..space];
            if (space > 0 && word.StartsWith("tag", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(word[3..], System.Globalization.NumberStyles.None, null, out var number) && number > 0)
            {
                tag = number;
                rest = line[(space + 1)..];
                return true;
            }

            return false;
        }

        /// <summary>An optional <c>tagN</c> then ok/no/bad/"" at the start of <paramref name="line"/>.</summary>
        private static bool ReplyPrefix(string line, out int tag, out string rest)
        {
            var text = line;
            TagPrefix(line, out tag, out var afterTag);
            if (tag != 0)
            {
                text = afterTag;
            }

            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var word = space < 0 ? text : text[..space];
            rest = space < 0 ? "" : text[(space + 1)..];
            if (word.Equals("ok", StringComparison.OrdinalIgnoreCase) || word.Equals("no", StringComparison.OrdinalIgnoreCase)
                || word.Equals("bad", StringComparison.OrdinalIgnoreCase) || word == "\"\"")
            {
                return true;
            }

            tag = 0;
            rest = line;
            return false;
        }

        private static string StatusWord(string line)
        {
            TagPrefix(line, out var tag, out var afterTag);
            var text = tag != 0 ? afterTag : line;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var word = space < 0 ? text : text[..space];
            return word == "\"\"" ? "\"\"" : word;
        }

        private ScriptFormatException Error(int line, string message) => new($"{name} line {line}: {message}");
    }
}

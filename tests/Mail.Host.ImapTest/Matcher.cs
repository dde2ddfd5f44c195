using System.Globalization;
using System.Text;

namespace Mail.Host.ImapTest;

/// <summary>
/// Matches received arguments against a script's expected ones by the format's rules: strings compare without regard
/// to case after variable expansion; an unset <c>$name</c> takes the received text up to the pattern's next
/// character and keeps it (undone if the whole reply does not match); <c>$</c> matches anything, lists included;
/// <c>$N</c> is the current sequence number of the message that was N when the command group started;
/// <c>$modseqN</c> must grow at least by the gap between indexes; <c>${case:text}</c> compares with case; lists
/// follow their <c>$!</c> directives (ordered by default; unordered chains, extra elements, ignore and ban).
/// </summary>
internal sealed class Matcher
{
    public const int Full = int.MaxValue;
    private readonly Dictionary<string, string> variables;
    private readonly List<string> added = [];
    private int highestModseqIndex;
    private ulong highestModseqValue;

    public Matcher(Dictionary<string, string> variables) => this.variables = variables;

    /// <summary>Maps a relative sequence number (<c>$N</c>) to the current one.</summary>
    public Func<int, string> RelativeSequence { get; set; } = n => n.ToString(CultureInfo.InvariantCulture);

    public IReadOnlyDictionary<string, string> Variables => variables;

    public void Set(string name, string value) => variables[name] = value;

    public void Remove(string name) => variables.Remove(name);

    /// <summary>Forgets which variables the last attempt set (they stay set).</summary>
    public void Commit() => added.Clear();

    /// <summary>Unsets the variables the last attempt set.</summary>
    public void Revert()
    {
        foreach (var name in added)
        {
            variables.Remove(name);
        }

        added.Clear();
    }

    /// <summary>
    /// Matches <paramref name="match"/> against <paramref name="args"/>: <see cref="Full"/> when they match, else how
    /// many leading arguments did. With <paramref name="prefix"/> the received side may have more arguments and the
    /// last expected string may be a prefix of the received one (status responses and their human text).
    /// </summary>
    public int MatchArguments(IReadOnlyList<ImapToken> match, int matchStart, IReadOnlyList<ImapToken> args, int argsStart, int max, bool prefix)
    {
        var count = 0;
        var m = matchStart;
        var a = argsStart;
        for (; m < match.Count && max > 0; m++, a++, max--)
        {
            if (a >= args.Count)
            {
                return count;
            }

            var expected = match[m];
            var received = args[a];
            switch (expected.Kind)
            {
                case ImapTokenKind.Nil:
                    if (received.Kind != ImapTokenKind.Nil)
                    {
                        return count;
                    }

                    break;
                case ImapTokenKind.List:
                    if (received.Kind != ImapTokenKind.List)
                    {
                        return count;
                    }

                    var sub = MatchList(expected.Items, received.Items);
                    if (sub != Full)
                    {
                        return count + sub;
                    }

                    break;
                default:
                    if (expected.Text == "$" && received.Kind is ImapTokenKind.List or ImapTokenKind.Nil)
                    {
                        break;
                    }

                    if (!received.IsString)
                    {
                        return count;
                    }

                    // Like imaptest, strings compare as C strings: up to the first NUL byte.
                    var receivedText = UpToNul(received.Text);
                    var expanded = ExpandInput(UpToNul(expected.Text), receivedText, out var ignoreCase);
                    if (expanded is null)
                    {
                        return count;
                    }

                    var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                    var matches = prefix && m == match.Count - 1
                        ? receivedText.StartsWith(expanded, comparison)
                        : receivedText.Equals(expanded, comparison);
                    if (!matches)
                    {
                        return count;
                    }

                    break;
            }

            count++;
        }

        return prefix || a >= args.Count || max == 0 ? Full : count;
    }

    /// <summary>Expands variables in command text; an unset variable is an error unless <paramref name="keepUnset"/>.</summary>
    public string ExpandAll(string text, bool keepUnset)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var output = new StringBuilder(text.Length + 32);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '$' || i == text.Length - 1)
            {
                output.Append(c);
                i++;
                continue;
            }

            i++;
            if (text[i] == '$')
            {
                output.Append('$');
                i++;
                continue;
            }

            if (text[i] == '!')
            {
                while (i < text.Length && text[i] != ' ')
                {
                    i++;
                }

                if (i < text.Length)
                {
                    i++;
                }

                continue;
            }

            var name = ReadName(text, ref i);
            if (IsNumber(name, out var sequence))
            {
                output.Append(RelativeSequence(sequence));
            }
            else if (variables.TryGetValue(name, out var value))
            {
                output.Append(value);
            }
            else if (keepUnset)
            {
                output.Append('$').Append(name);
            }
            else
            {
                throw new ScriptRunException($"uninitialized variable ${name}");
            }
        }

        return output.ToString();
    }

    private int MatchList(IReadOnlyList<ImapToken> match, IReadOnlyList<ImapToken> args)
    {
        var unordered = false;
        var chain = 1;
        var noExtra = -1;
        var ignores = new List<string>();
        var bans = new List<string>();
        var start = 0;
        for (; start < match.Count && match[start].Kind == ImapTokenKind.Atom && match[start].Text.StartsWith("$!", StringComparison.Ordinal); start++)
        {
            var directive = match[start].Text[2..];
            if (directive.StartsWith("unordered", StringComparison.Ordinal))
            {
                unordered = true;
                if (noExtra == -1)
                {
                    noExtra = 0;
                }

                if (directive.Length > 10 && directive[9] == '=' && int.TryParse(directive[10..], out var n) && n > 0)
                {
                    chain = n;
                }
            }
            else if (directive == "ordered")
            {
                unordered = false;
            }
            else if (directive == "extra")
            {
                noExtra = 0;
            }
            else if (directive == "noextra")
            {
                noExtra = 1;
            }
            else if (directive.StartsWith("ignore=", StringComparison.Ordinal))
            {
                ignores.Add(directive[7..]);
            }
            else if (directive.StartsWith("ban=", StringComparison.Ordinal))
            {
                bans.Add(directive[4..]);
            }
            else
            {
                throw new ScriptRunException($"unknown list directive $!{directive}");
            }
        }

        if (noExtra == -1)
        {
            noExtra = 1;
        }

        if (!unordered)
        {
            return MatchArguments(match, start, args, 0, int.MaxValue, prefix: false);
        }

        if (args.Count % chain != 0)
        {
            return 0;
        }

        var matched = new bool[args.Count];
        var count = 0;
        for (var m = start; m < match.Count; m += chain, count++)
        {
            var found = false;
            for (var i = 0; i < args.Count; i += chain)
            {
                if (MatchArguments(match, m, args, i, chain, prefix: false) == Full)
                {
                    matched[i] = true;
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return count;
            }
        }

        for (var i = 0; i < args.Count; i += chain)
        {
            if (matched[i] || !args[i].IsString)
            {
                continue;
            }

            if (noExtra > 0 && !ignores.Any(x => x.Equals(args[i].Text, StringComparison.OrdinalIgnoreCase)))
            {
                return count;
            }

            if (noExtra == 0 && bans.Any(x => x.Equals(args[i].Text, StringComparison.OrdinalIgnoreCase)))
            {
                return count;
            }
        }

        return Full;
    }

    /// <summary>Expands <paramref name="pattern"/> against <paramref name="input"/>, setting unset variables from it; null on a mismatch.</summary>
    private string? ExpandInput(string pattern, string input, out bool ignoreCase)
    {
        ignoreCase = true;
        var output = new StringBuilder(pattern.Length + 16);
        var p = 0;
        var at = 0;
        while (p < pattern.Length)
        {
            if (pattern[p] != '$' || (p + 1 < pattern.Length && pattern[p + 1] == '$'))
            {
                if (pattern[p] == '$')
                {
                    p++;
                }

                var c = pattern[p];
                if (at >= input.Length || char.ToUpperInvariant(c) != char.ToUpperInvariant(input[at]))
                {
                    return null;
                }

                at++;
                output.Append(c);
                p++;
                continue;
            }

            p++;
            var name = ReadName(pattern, ref p);
            string? value;
            if (IsNumber(name, out var sequence))
            {
                value = RelativeSequence(sequence);
            }
            else if (name.StartsWith("case:", StringComparison.Ordinal))
            {
                ignoreCase = false;
                value = name[5..];
            }
            else
            {
                value = name.Length == 0 ? null : variables.GetValueOrDefault(name);
                if (value is null)
                {
                    var end = at;
                    if (p < pattern.Length && pattern[p] != '$')
                    {
                        var next = char.ToUpperInvariant(pattern[p]);
                        while (end < input.Length && char.ToUpperInvariant(input[end]) != next)
                        {
                            end++;
                        }
                    }
                    else
                    {
                        end = input.Length;
                    }

                    value = input[at..end];
                    if (name.Length > 0)
                    {
                        if (name.StartsWith("modseq", StringComparison.Ordinal) && int.TryParse(name[6..], NumberStyles.None, null, out var modseqIndex))
                        {
                            value = CheckModseq(modseqIndex, value);
                        }
                        else
                        {
                            added.Add(name);
                        }

                        variables[name] = value;
                    }
                }
            }

            output.Append(value);
            foreach (var c in value)
            {
                if (at >= input.Length || input[at] != c)
                {
                    return null;
                }

                at++;
            }
        }

        return output.ToString();
    }

    private string CheckModseq(int index, string value)
    {
        if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var modseq))
        {
            return "$modseq-not-number";
        }

        if (highestModseqIndex > index)
        {
            return "$modseq-order-mismatch";
        }

        var atLeast = highestModseqValue + (ulong)(index - highestModseqIndex);
        var result = value;
        if (modseq < atLeast)
        {
            result = "$modseq-at-least-" + atLeast.ToString(CultureInfo.InvariantCulture);
            modseq = atLeast;
        }

        highestModseqIndex = index;
        highestModseqValue = modseq;
        return result;
    }

    private static string UpToNul(string text)
    {
        var nul = text.IndexOf('\0', StringComparison.Ordinal);
        return nul < 0 ? text : text[..nul];
    }

    private static string ReadName(string text, ref int i)
    {
        if (i < text.Length && text[i] == '{')
        {
            var close = text.IndexOf('}', i + 1);
            if (close < 0)
            {
                throw new ScriptRunException("a ${ without its }");
            }

            var braced = text[(i + 1)..close];
            i = close + 1;
            return braced;
        }

        var start = i;
        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
        {
            i++;
        }

        return text[start..i];
    }

    private static bool IsNumber(string name, out int number) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out number);
}

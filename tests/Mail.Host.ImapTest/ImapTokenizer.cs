using System.Text;

namespace Mail.Host.ImapTest;

/// <summary>
/// Splits one logical IMAP line into arguments. Literals are not in the text: each one is a placeholder character
/// (<see cref="LiteralMarker"/> or <see cref="Literal8Marker"/>) whose content is the next entry of the literal list.
/// Lenient by design (the human text after OK/NO/BAD may hold anything): an unbalanced parenthesis or quote never
/// throws. An atom that contains '[' runs to the matching ']', spaces and parentheses included, so
/// <c>BODY[HEADER.FIELDS (FROM)]&lt;0&gt;</c> and <c>[COPYUID 1 2 3]</c> are single atoms on both the expected and
/// the received side.
/// </summary>
public static class ImapTokenizer
{
    /// <summary>Stands for a literal in a logical line (Latin-1 text never contains it).</summary>
    public const char LiteralMarker = '\uE000';

    /// <summary>Stands for a literal8 (<c>~{n}</c>) in a logical line.</summary>
    public const char Literal8Marker = '\uE001';

    /// <summary>Parses the arguments of <paramref name="line"/>.</summary>
    public static List<ImapToken> Parse(string line, IReadOnlyList<string> literals)
    {
        var position = 0;
        var literal = 0;
        var result = ParseList(line, ref position, literals, ref literal, nested: false);
        return result;
    }

    private static List<ImapToken> ParseList(string line, ref int position, IReadOnlyList<string> literals, ref int literal, bool nested)
    {
        var items = new List<ImapToken>();
        while (position < line.Length)
        {
            var c = line[position];
            if (c == ' ')
            {
                position++;
                continue;
            }

            if (c == '(')
            {
                position++;
                items.Add(ImapToken.List(ParseList(line, ref position, literals, ref literal, nested: true)));
                continue;
            }

            if (c == ')')
            {
                position++;
                if (nested)
                {
                    return items;
                }

                continue;
            }

            if (c == '"')
            {
                items.Add(ImapToken.Value(ImapTokenKind.String, ReadQuoted(line, ref position)));
                continue;
            }

            if (c is LiteralMarker or Literal8Marker)
            {
                position++;
                items.Add(ImapToken.Value(ImapTokenKind.Literal, literal < literals.Count ? literals[literal] : ""));
                literal++;
                continue;
            }

            var atom = ReadAtom(line, ref position);
            items.Add(atom.Equals("NIL", StringComparison.OrdinalIgnoreCase) ? ImapToken.Nil : ImapToken.Value(ImapTokenKind.Atom, atom));
        }

        return items;
    }

    private static string ReadQuoted(string line, ref int position)
    {
        var text = new StringBuilder();
        position++;
        while (position < line.Length)
        {
            var c = line[position++];
            if (c == '"')
            {
                return text.ToString();
            }

            if (c == '\\' && position < line.Length)
            {
                c = line[position++];
            }

            text.Append(c);
        }

        return text.ToString();
    }

    private static string ReadAtom(string line, ref int position)
    {
        var start = position;
        var depth = 0;
        while (position < line.Length)
        {
            var c = line[position];
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (depth == 0 && (c is ' ' or '(' or ')' or LiteralMarker or Literal8Marker))
            {
                break;
            }
            else if (depth > 0 && c is LiteralMarker or Literal8Marker)
            {
                break;
            }

            position++;
        }

        return line[start..position];
    }
}

using System.Text;

namespace Mail.Host.ImapTest;

/// <summary>
/// One IMAP argument: a string-like value (atom, quoted string, literal; text is kept as Latin-1 so every byte
/// round-trips) or NIL or a list of arguments.
/// </summary>
public sealed class ImapToken
{
    private ImapToken(ImapTokenKind kind, string text, IReadOnlyList<ImapToken> items)
    {
        Kind = kind;
        Text = text;
        Items = items;
    }

    /// <summary>The kind of argument.</summary>
    public ImapTokenKind Kind { get; }

    /// <summary>The value of an atom, string or literal (Latin-1: one char per byte); empty for lists.</summary>
    public string Text { get; }

    /// <summary>The elements of a list; empty otherwise.</summary>
    public IReadOnlyList<ImapToken> Items { get; }

    /// <summary>True for atoms, strings and literals.</summary>
    public bool IsString => Kind is ImapTokenKind.Atom or ImapTokenKind.String or ImapTokenKind.Literal;

    /// <summary>Makes an atom, string or literal.</summary>
    public static ImapToken Value(ImapTokenKind kind, string text) => new(kind, text, []);

    /// <summary>Makes NIL.</summary>
    public static ImapToken Nil { get; } = new(ImapTokenKind.Nil, "NIL", []);

    /// <summary>Makes a list.</summary>
    public static ImapToken List(IReadOnlyList<ImapToken> items) => new(ImapTokenKind.List, "", items);

    /// <summary>The arguments written back as IMAP text (literals shown inline, long ones shortened), for reports.</summary>
    public static string Format(IEnumerable<ImapToken> tokens)
    {
        var text = new StringBuilder();
        Append(text, tokens);
        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Format([this]);

    private static void Append(StringBuilder text, IEnumerable<ImapToken> tokens)
    {
        var first = true;
        foreach (var token in tokens)
        {
            if (!first)
            {
                text.Append(' ');
            }

            first = false;
            switch (token.Kind)
            {
                case ImapTokenKind.List:
                    text.Append('(');
                    Append(text, token.Items);
                    text.Append(')');
                    break;
                case ImapTokenKind.String:
                    text.Append('"').Append(token.Text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                    break;
                case ImapTokenKind.Literal:
                    var shown = token.Text.Length > 200 ? token.Text[..200] + "..." : token.Text;
                    text.Append('{').Append(token.Text.Length).Append("}\"")
                        .Append(shown.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('"');
                    break;
                default:
                    text.Append(token.Text);
                    break;
            }
        }
    }
}

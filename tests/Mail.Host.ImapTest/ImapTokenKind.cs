namespace Mail.Host.ImapTest;

/// <summary>The kinds of IMAP argument the runner compares.</summary>
public enum ImapTokenKind
{
    /// <summary>An atom (including bracketed parts such as <c>BODY[HEADER.FIELDS (FROM)]</c> or <c>[UIDVALIDITY 3]</c>).</summary>
    Atom,

    /// <summary>A quoted string.</summary>
    String,

    /// <summary>A literal (<c>{n}</c> or <c>~{n}</c>).</summary>
    Literal,

    /// <summary>The atom NIL.</summary>
    Nil,

    /// <summary>A parenthesized list.</summary>
    List,
}

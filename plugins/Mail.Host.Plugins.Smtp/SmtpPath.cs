namespace Mail.Host.Plugins.Smtp;

/// <summary>The argument of MAIL FROM or RCPT TO: the address (empty for the null reverse-path) and the ESMTP parameters.</summary>
internal sealed record SmtpPath(string Address, IReadOnlyDictionary<string, string?> Parameters)
{
    /// <summary>
    /// Parses <c>FROM:&lt;address&gt; PARAM=value ...</c> (or <c>TO:</c>). A space after the colon is tolerated; a source
    /// route (<c>@a,@b:user@host</c>) is dropped. Returns null when the syntax is wrong.
    /// </summary>
    public static SmtpPath? Parse(string argument, string prefix)
    {
        if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var rest = argument[prefix.Length..].TrimStart(' ');
        string address;
        string tail;
        if (rest.StartsWith('<'))
        {
            var close = ClosingBracket(rest);
            if (close < 0)
            {
                return null;
            }

            address = rest[1..close];
            tail = rest[(close + 1)..];
            if (tail.Length > 0 && tail[0] != ' ')
            {
                return null;
            }
        }
        else
        {
            // Not RFC 5321, but common: an address without brackets.
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            address = space < 0 ? rest : rest[..space];
            tail = space < 0 ? string.Empty : rest[space..];
            if (address.Length == 0)
            {
                return null;
            }
        }

        if (address.StartsWith('@'))
        {
            var colon = address.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return null;
            }

            address = address[(colon + 1)..];
        }

        if (address.Length > 0 && !IsMailbox(address))
        {
            return null;
        }

        var parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in tail.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals];
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || parameters.ContainsKey(key))
            {
                return null;
            }

            parameters[key] = equals < 0 ? null : part[(equals + 1)..];
        }

        return new SmtpPath(address, parameters);
    }

    /// <summary>True for <c>local@domain</c> with a non-empty local part and domain and no control characters or spaces outside quotes.</summary>
    public static bool IsMailbox(string address)
    {
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1 || address.Length > 512)
        {
            return false;
        }

        var quoted = false;
        for (var i = 0; i < at; i++)
        {
            var c = address[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (char.IsControl(c) || ((c is ' ' or '<' or '>' or '(' or ')' or ',' or ';' or ':' or '\\' or '[' or ']') && !quoted))
            {
                return false;
            }
        }

        var domain = address[(at + 1)..];
        if (domain.StartsWith('[') && domain.EndsWith(']'))
        {
            return domain.Length > 2;
        }

        return !quoted && domain.All(c => !char.IsControl(c) && c is not (' ' or '<' or '>' or '@' or '"' or '(' or ')' or ',' or ';' or ':' or '\\' or '[' or ']'))
            && !domain.StartsWith('.') && !domain.EndsWith('.') && !domain.Contains("..", StringComparison.Ordinal);
    }

    public static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..];

    private static int ClosingBracket(string text)
    {
        var quoted = false;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (text[i] == '>' && !quoted)
            {
                return i;
            }
        }

        return -1;
    }
}

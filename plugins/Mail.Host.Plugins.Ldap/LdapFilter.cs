using System.Text;

namespace Mail.Host.Plugins.Ldap;

/// <summary>Search filters built from the manifest's templates, every value escaped as RFC 4515 section 3 says.</summary>
internal static class LdapFilter
{
    /// <summary>The placeholders a filter template may hold.</summary>
    public static readonly string[] Placeholders = ["{user}", "{local}", "{domain}", "{dn}"];

    /// <summary>
    /// Escapes a value for an assertion in a filter: <c>*</c>, <c>(</c>, <c>)</c>, <c>\</c>, NUL and every other
    /// control character become <c>\</c> and two hex digits of their UTF-8 bytes, so a value can never be a wildcard
    /// or close the filter.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <returns>The escaped value.</returns>
    public static string Escape(string value)
    {
        var output = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (c is '*' or '(' or ')' or '\\' || char.IsControl(c))
            {
                foreach (var b in Encoding.UTF8.GetBytes(c.ToString()))
                {
                    output.Append('\\').Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            else
            {
                output.Append(c);
            }
        }

        return output.ToString();
    }

    /// <summary>Fills a template's placeholders with escaped values.</summary>
    /// <param name="template">The template, e.g. <c>(|(uid={user})(mail={user}))</c>.</param>
    /// <param name="user">The whole login name or address.</param>
    /// <param name="local">Its local part (the whole name when it is no address).</param>
    /// <param name="domain">Its domain, or empty.</param>
    /// <param name="dn">An entry's distinguished name, for membership filters.</param>
    /// <returns>The filter.</returns>
    public static string Expand(string template, string user, string local, string domain, string dn = "")
        => template
            .Replace("{user}", Escape(user), StringComparison.Ordinal)
            .Replace("{local}", Escape(local), StringComparison.Ordinal)
            .Replace("{domain}", Escape(domain), StringComparison.Ordinal)
            .Replace("{dn}", Escape(dn), StringComparison.Ordinal);
}

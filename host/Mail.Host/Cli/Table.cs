namespace Mail.Host.Cli;

/// <summary>Writes rows as aligned columns for a terminal.</summary>
internal static class Table
{
    public static void Write(TextWriter output, IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        WriteRow(output, header, widths);
        foreach (var row in rows)
        {
            WriteRow(output, row, widths);
        }
    }

    private static void WriteRow(TextWriter output, IReadOnlyList<string> cells, int[] widths)
    {
        var last = cells.Count - 1;
        output.WriteLine(string.Concat(cells.Select((c, i) => i == last ? c : c.PadRight(widths[i] + 2))).TrimEnd());
    }
}

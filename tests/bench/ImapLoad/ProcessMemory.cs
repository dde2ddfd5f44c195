using System.Globalization;

namespace Mail.Host.ImapLoad;

/// <summary>
/// Resident memory of a server: its process and every descendant (Dovecot runs a process per IMAP session under its
/// master), from /proc. RSS counts shared pages once per process; PSS shares them out, so for a forking server PSS is
/// the fairer sum.
/// </summary>
internal static class ProcessMemory
{
    /// <summary>The sum of VmRSS and of Pss (KiB) over the process tree, and how many processes it has.</summary>
    public static (long RssKiB, long PssKiB, int Processes) Measure(int pid)
    {
        long rss = 0;
        long pss = 0;
        var tree = Tree(pid);
        foreach (var process in tree)
        {
            rss += Field($"/proc/{process}/status", "VmRSS:");
            pss += Field($"/proc/{process}/smaps_rollup", "Pss:");
        }

        return (rss, pss, tree.Count);
    }

    private static List<int> Tree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }

        var result = new List<int> { root };
        for (var i = 0; i < result.Count; i++)
        {
            result.AddRange(parents.Where(p => p.Value == result[i]).Select(p => p.Key));
        }

        return result;
    }

    private static long Field(string path, string name)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith(name, StringComparison.Ordinal))
                {
                    return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone, or not ours to read.
        }

        return 0;
    }
}

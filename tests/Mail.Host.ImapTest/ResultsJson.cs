using System.Text.Json;

namespace Mail.Host.ImapTest;

/// <summary>The machine-readable form of a run, for comparing runs (e.g. this server against Dovecot).</summary>
public static class ResultsJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The results as JSON: the server, totals and one object per script.</summary>
    public static string Write(ImapTestOptions options, IReadOnlyList<ScriptResult> results)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        var document = new
        {
            server = $"{options.Host}:{options.Port}",
            tls = options.Tls.ToString().ToLowerInvariant(),
            scripts_folder = Path.GetFullPath(options.ScriptsFolder),
            passed = results.Count(r => r.Outcome == ScriptOutcome.Pass),
            failed = results.Count(r => r.Outcome == ScriptOutcome.Fail),
            skipped = results.Count(r => r.Outcome == ScriptOutcome.Skip),
            scripts = results.Select(r => new
            {
                name = r.Name,
                result = r.Outcome.ToString().ToLowerInvariant(),
                reason = r.Reason,
                line = r.Line,
                command = r.Command,
                ms = r.Milliseconds,
            }),
        };
        return JsonSerializer.Serialize(document, Indented);
    }
}

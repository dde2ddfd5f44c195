using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;

namespace Mail.Host.Cli;

/// <summary>How the account, domain and group commands read the API's JSON and print it for a terminal.</summary>
internal static class AdminOutput
{
    private static readonly string[] SizeUnits = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary>Prints labelled lines, the values aligned.</summary>
    public static void Details(TextWriter output, IReadOnlyList<(string Label, string Value)> lines)
    {
        var width = lines.Max(l => l.Label.Length) + 2;
        foreach (var (label, value) in lines)
        {
            output.WriteLine($"{(label + ":").PadRight(width)}{value}");
        }
    }

    /// <summary>A string property, or null when absent or null.</summary>
    public static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A string array property; empty when absent.</summary>
    public static IReadOnlyList<string> List(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];

    /// <summary>A number property, or null when absent or null.</summary>
    public static long? Number(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;

    /// <summary>A boolean property; false when absent.</summary>
    public static bool Flag(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>The items of an array response.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement? response)
        => response is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>The response itself, which must be an object.</summary>
    public static JsonElement Object(JsonElement? response)
        => response is { ValueKind: JsonValueKind.Object } value ? value : throw new AdminCliException("the server's answer is not a JSON object");

    /// <summary>A list for a table cell or a detail line.</summary>
    public static string Join(IReadOnlyList<string> items) => items.Count == 0 ? "-" : string.Join(", ", items);

    /// <summary>A byte quota, exact and readable.</summary>
    public static string Bytes(long? bytes)
    {
        if (bytes is null)
        {
            return "no limit";
        }

        var value = (double)bytes.Value;
        var unit = 0;
        while (value >= 1024 && unit < SizeUnits.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes ({value:0.#} {SizeUnits[unit]})");
    }

    /// <summary>A message quota.</summary>
    public static string Messages(long? messages)
        => messages is null ? "no limit" : string.Create(CultureInfo.InvariantCulture, $"{messages} messages");

    /// <summary>An option for a size in bytes, with an optional binary suffix (K, M, G, T): 500M, 2G.</summary>
    public static Option<long?> SizeOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "SIZE",
        CustomParser = ParseSize,
    };

    private static long? ParseSize(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : string.Empty;
        var multiplier = 1L;
        if (text.Length > 0 && char.IsAsciiLetter(text[^1]))
        {
            multiplier = char.ToUpperInvariant(text[^1]) switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                'T' => 1L << 40,
                _ => 0,
            };
            text = text[..^1];
        }

        if (multiplier == 0 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > long.MaxValue / multiplier)
        {
            result.AddError($"'{string.Join(' ', result.Tokens.Select(t => t.Value))}' is not a size: give a whole number of bytes, optionally with K, M, G or T (e.g. 500M, 2G); 0 for no limit.");
            return null;
        }

        return number * multiplier;
    }
}

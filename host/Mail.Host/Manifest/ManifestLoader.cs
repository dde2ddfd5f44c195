using System.Collections;
using System.Text.Json;
using Mail.Host.Startup;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Manifest;

/// <summary>
/// Reads the manifest: checks its JSON syntax and every key the host knows, then binds it through
/// Microsoft.Extensions.Configuration with environment variables (<c>MAILHOST__Section__Key</c>) on top.
/// </summary>
internal static class ManifestLoader
{
    public const string EnvironmentPrefix = "MAILHOST__";

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        // The same leniency as the configuration JSON provider, so what passes here also binds there.
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static HostManifest Load(string path) => Load(path, ReadEnvironment());

    public static HostManifest Load(string path, IReadOnlyDictionary<string, string?> environment)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new StartupException(new StartupProblem(
                $"the manifest {fullPath} does not exist",
                fullPath,
                "pass --manifest FILE (or set MAILHOST_MANIFEST) naming an existing manifest; dist/mailhost.json is the default one to start from"));
        }

        var problems = new List<StartupProblem>();
        using (var document = ParseJson(fullPath))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new StartupException(new StartupProblem(
                    "the manifest's top level is not a JSON object",
                    fullPath,
                    "make the file one JSON object: { \"Server\": { ... }, \"Plugins\": { ... }, ... }"));
            }

            CheckKeys(document.RootElement, ManifestSchema.Root, string.Empty, fullPath, problems);
        }

        CheckEnvironmentKeys(environment, fullPath, problems);
        if (problems.Count > 0)
        {
            throw new StartupException(problems);
        }

        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder()
                .AddJsonFile(fullPath, optional: false, reloadOnChange: false)
                .AddInMemoryCollection(environment
                    .Where(e => e.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                    .Select(e => new KeyValuePair<string, string?>(ToConfigurationKey(e.Key), e.Value)))
                .Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException)
        {
            // The checks above mirror the configuration provider's rules; this catches any it has that they miss.
            throw new StartupException(new StartupProblem(
                $"the manifest could not be read: {ex.Message}",
                fullPath,
                $"correct {fullPath} as the message says"));
        }

        return HostManifest.From(configuration, fullPath);
    }

    private static JsonDocument ParseJson(string fullPath)
    {
        var bytes = File.ReadAllBytes(fullPath);
        try
        {
            return JsonDocument.Parse(WithoutByteOrderMark(bytes), JsonOptions);
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var column = CharacterColumn(WithoutByteOrderMark(bytes).Span, (int)(ex.LineNumber ?? 0), (int)(ex.BytePositionInLine ?? 0)) + 1;
            var reason = ex.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0)
            {
                reason = reason[..cut];
            }

            throw new StartupException(new StartupProblem(
                $"the manifest is not valid JSON at line {line}, column {column}: {reason}",
                $"{fullPath}:{line}:{column}",
                $"correct the JSON at line {line}, column {column} of {fullPath} (comments and trailing commas are allowed)"));
        }
    }

    /// <summary>Editors on some systems start UTF-8 files with a byte order mark; the JSON reader does not accept one.</summary>
    internal static ReadOnlyMemory<byte> WithoutByteOrderMark(byte[] bytes)
        => bytes.AsSpan().StartsWith(Utf8Bom) ? bytes.AsMemory(Utf8Bom.Length) : bytes;

    /// <summary>The reader reports a byte offset; an operator's editor counts characters.</summary>
    private static int CharacterColumn(ReadOnlySpan<byte> json, int lineIndex, int byteOffset)
    {
        var start = 0;
        for (var line = 0; line < lineIndex; line++)
        {
            var next = json[start..].IndexOf((byte)'\n');
            if (next < 0)
            {
                return byteOffset;
            }

            start += next + 1;
        }

        var length = Math.Min(byteOffset, json.Length - start);
        return System.Text.Encoding.UTF8.GetCharCount(json.Slice(start, length));
    }

    private static void CheckKeys(JsonElement element, SchemaNode schema, string path, string file, List<StartupProblem> problems)
    {
        switch (schema.Kind)
        {
            case SchemaKind.Section or SchemaKind.OpenSection when element.ValueKind == JsonValueKind.Object:
                CheckDuplicates(element, path, file, problems);
                foreach (var property in element.EnumerateObject())
                {
                    var childPath = Join(path, property.Name);
                    if (schema.Children.TryGetValue(property.Name, out var child))
                    {
                        CheckKeys(property.Value, child, childPath, file, problems);
                    }
                    else if (schema.Kind == SchemaKind.Section)
                    {
                        problems.Add(UnknownKey(childPath, property.Name, schema, file, $"in {file}"));
                    }
                    else
                    {
                        CheckOpenDuplicates(property.Value, childPath, file, problems);
                    }
                }

                break;
            case SchemaKind.Map when element.ValueKind == JsonValueKind.Object:
                CheckDuplicates(element, path, file, problems);
                foreach (var property in element.EnumerateObject())
                {
                    CheckKeys(property.Value, schema.Element!, Join(path, property.Name), file, problems);
                }

                break;
            case SchemaKind.Array when element.ValueKind == JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckKeys(item, schema.Element!, Join(path, index.ToString(System.Globalization.CultureInfo.InvariantCulture)), file, problems);
                    index++;
                }

                break;
            case SchemaKind.Value when element.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array):
            case SchemaKind.OpenSection when element.ValueKind == JsonValueKind.Null:
                break;
            case SchemaKind.Section or SchemaKind.Map when element.ValueKind == JsonValueKind.Null:
                break;
            default:
                problems.Add(new StartupProblem(
                    $"the manifest key {path} should be {Describe(schema.Kind)}, not {Describe(element.ValueKind)}",
                    file,
                    $"write {path} as {Describe(schema.Kind)} in {file}; the manifest reference in README.md lists every key"));
                break;
        }
    }

    /// <summary>Configuration keys ignore case, so "Hostname" and "hostname" in one object are the same key twice.</summary>
    private static void CheckDuplicates(JsonElement element, string path, string file, List<StartupProblem> problems)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in element.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                var key = Join(path, property.Name);
                problems.Add(new StartupProblem(
                    $"the manifest key {key} is given twice (keys ignore case)",
                    file,
                    $"keep one {key} in {file}"));
            }
        }
    }

    private static void CheckOpenDuplicates(JsonElement element, string path, string file, List<StartupProblem> problems)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            CheckDuplicates(element, path, file, problems);
            foreach (var property in element.EnumerateObject())
            {
                CheckOpenDuplicates(property.Value, Join(path, property.Name), file, problems);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                CheckOpenDuplicates(item, Join(path, index++.ToString(System.Globalization.CultureInfo.InvariantCulture)), file, problems);
            }
        }
    }

    private static void CheckEnvironmentKeys(IReadOnlyDictionary<string, string?> environment, string file, List<StartupProblem> problems)
    {
        foreach (var variable in environment.Keys.Where(k => k.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
        {
            var segments = variable[EnvironmentPrefix.Length..].Split("__");
            var schema = ManifestSchema.Root;
            var path = string.Empty;
            foreach (var segment in segments)
            {
                path = Join(path, segment);
                if (schema.Kind is SchemaKind.Map or SchemaKind.Array)
                {
                    schema = schema.Element!;
                }
                else if (schema.Children.TryGetValue(segment, out var child))
                {
                    schema = child;
                }
                else if (schema.Kind == SchemaKind.Section)
                {
                    problems.Add(UnknownKey(path, segment, schema, file, $"in the environment variable {variable}"));
                    break;
                }
                else
                {
                    break;
                }
            }
        }
    }

    private static StartupProblem UnknownKey(string path, string key, SchemaNode parent, string file, string where)
    {
        var suggestion = KeySuggester.Nearest(key, parent.Children.Keys.Where(k => k != "$schema"));
        var parentPath = path.Contains(':', StringComparison.Ordinal) ? path[..path.LastIndexOf(':')] : null;
        var suggestedPath = suggestion is null ? null : (parentPath is null ? suggestion : $"{parentPath}:{suggestion}");
        var valid = string.Join(", ", parent.Children.Keys.Where(k => k != "$schema"));
        return new StartupProblem(
            suggestion is null
                ? $"unknown manifest key {path} {where}"
                : $"unknown manifest key {path} {where}; did you mean {suggestedPath}?",
            file,
            suggestion is null
                ? $"remove {path}; the keys allowed {(parentPath is null ? "at the top level" : $"under {parentPath}")} are: {valid}"
                : $"rename {path} to {suggestedPath}");
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}:{key}";

    private static string ToConfigurationKey(string variable) => variable[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);

    private static string Describe(SchemaKind kind) => kind switch
    {
        SchemaKind.Value => "a single value",
        SchemaKind.Array => "an array",
        _ => "an object",
    };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => "a boolean",
    };

    private static Dictionary<string, string?> ReadEnvironment()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = entry.Value as string;
        }

        return result;
    }
}

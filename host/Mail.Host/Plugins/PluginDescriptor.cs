using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Mail.Host.Storage;

namespace Mail.Host.Plugins;

/// <summary>
/// A plugin folder's <c>plugin.json</c>: who the plugin is, the contracts version it was built for, its entry
/// assembly and what it provides. The host reads it before loading anything, so a plugin that is not enabled costs
/// nothing and a bad manifest is caught without running plugin code.
/// </summary>
internal sealed partial class PluginDescriptor
{
    public const string FileName = "plugin.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public required string Id { get; init; }

    public string? Name { get; init; }

    public required string Version { get; init; }

    public required Version ContractsVersion { get; init; }

    public required string Assembly { get; init; }

    /// <summary>Store types and the roles each can serve.</summary>
    public required IReadOnlyDictionary<string, StoreRoles> StoreTypes { get; init; }

    public required IReadOnlyList<string> DirectoryTypes { get; init; }

    public required IReadOnlyList<string> Protocols { get; init; }

    public string DescribeProvides()
    {
        var parts = new List<string>();
        parts.AddRange(StoreTypes.Select(s => $"store:{s.Key}({FormatRoles(s.Value)})"));
        parts.AddRange(DirectoryTypes.Select(d => $"directory:{d}"));
        parts.AddRange(Protocols.Select(p => $"protocol:{p}"));
        return parts.Count == 0 ? "-" : string.Join(' ', parts);
    }

    public static string FormatRoles(StoreRoles roles)
        => string.Join(',', Enum.GetValues<StoreRoles>().Where(r => r != StoreRoles.None && roles.HasFlag(r)).Select(r => JsonNamingPolicy.CamelCase.ConvertName(r.ToString())));

    /// <summary>Reads and checks a descriptor; throws <see cref="FormatException"/> with a sentence naming what is wrong.</summary>
    public static PluginDescriptor Read(string path)
    {
        Model? model;
        try
        {
            model = JsonSerializer.Deserialize<Model>(Manifest.ManifestLoader.WithoutByteOrderMark(File.ReadAllBytes(path)).Span, Options);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{FileName} is not valid JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}");
        }

        if (model is null)
        {
            throw new FormatException($"{FileName} is empty");
        }

        if (string.IsNullOrWhiteSpace(model.Id) || !IdPattern().IsMatch(model.Id))
        {
            throw new FormatException($"{FileName} has id '{model.Id}'; an id is lower-case letters, digits and '-', starting with a letter");
        }

        if (string.IsNullOrWhiteSpace(model.Version))
        {
            throw new FormatException($"{FileName} of '{model.Id}' has no version");
        }

        if (!System.Version.TryParse(model.ContractsVersion, out var contracts))
        {
            throw new FormatException($"{FileName} of '{model.Id}' has contractsVersion '{model.ContractsVersion}', which is not a version such as 1.0.0");
        }

        if (string.IsNullOrWhiteSpace(model.Assembly) || model.Assembly.IndexOfAny(['/', '\\']) >= 0 || !model.Assembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"{FileName} of '{model.Id}' has assembly '{model.Assembly}'; it must be the file name of a .dll in the plugin's folder");
        }

        var stores = new Dictionary<string, StoreRoles>(StringComparer.OrdinalIgnoreCase);
        foreach (var (type, roleNames) in model.Provides?.Stores ?? [])
        {
            if (roleNames is null)
            {
                throw new FormatException($"{FileName} of '{model.Id}' gives store type '{type}' no list of roles");
            }

            var roles = StoreRoles.None;
            foreach (var roleName in roleNames)
            {
                if (!TryParseRole(roleName, out var role))
                {
                    throw new FormatException($"{FileName} of '{model.Id}' gives store type '{type}' the role '{roleName}'; roles are data, blob, fullText and lookup");
                }

                roles |= role;
            }

            stores[type.ToLowerInvariant()] = roles;
        }

        return new PluginDescriptor
        {
            Id = model.Id,
            Name = model.Name,
            Version = model.Version,
            ContractsVersion = contracts,
            Assembly = model.Assembly,
            StoreTypes = stores,
            DirectoryTypes = Names(model.Id, "directories", model.Provides?.Directories),
            Protocols = Names(model.Id, "protocols", model.Provides?.Protocols),
        };
    }

    /// <summary>Exactly one role name; <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/> would also take numbers and lists.</summary>
    private static bool TryParseRole(string? name, out StoreRoles role)
    {
        role = StoreRoles.None;
        var match = Enum.GetNames<StoreRoles>().FirstOrDefault(n => n != nameof(StoreRoles.None) && string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        return match is not null && Enum.TryParse(match, out role);
    }

    private static List<string> Names(string id, string what, List<string?>? names)
    {
        if (names is not null && names.Any(string.IsNullOrWhiteSpace))
        {
            throw new FormatException($"{FileName} of '{id}' has an empty name in provides.{what}");
        }

        return (names ?? []).Select(n => n!.ToLowerInvariant()).Distinct().ToList();
    }

    [GeneratedRegex("\\A[a-z][a-z0-9-]{0,63}\\z")]
    private static partial Regex IdPattern();

    private sealed class Model
    {
        public string? Id { get; set; }

        public string? Name { get; set; }

        public string? Version { get; set; }

        public string? ContractsVersion { get; set; }

        public string? Assembly { get; set; }

        public ProvidesModel? Provides { get; set; }
    }

    private sealed class ProvidesModel
    {
        public Dictionary<string, List<string?>?>? Stores { get; set; }

        public List<string?>? Directories { get; set; }

        [JsonPropertyName("protocols")]
        public List<string?>? Protocols { get; set; }
    }
}

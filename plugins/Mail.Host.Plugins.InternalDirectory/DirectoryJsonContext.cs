using System.Text.Json.Serialization;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>The stored records' JSON, generated at compile time so that their layout is fixed by the code, not by reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(PrincipalRecord))]
[JsonSerializable(typeof(DomainRecord))]
internal sealed partial class DirectoryJsonContext : JsonSerializerContext;

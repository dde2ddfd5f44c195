using System.Text;
using Mail.Host.Plugins;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Tests;

public sealed class PluginDescriptorTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    public static TheoryData<string> RepositoryDescriptors()
    {
        var data = new TheoryData<string>();
        foreach (var project in System.IO.Directory.GetDirectories(Path.Combine(RepositoryRoot.Path, "plugins")).Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(project, PluginDescriptor.FileName)))
            {
                data.Add(Path.GetFileName(project));
            }
        }

        return data;
    }

    [Fact]
    public void The_repository_has_plugin_descriptors()
        => Assert.True(RepositoryDescriptors().Count >= 2);

    [Theory]
    [MemberData(nameof(RepositoryDescriptors))]
    public void Every_repository_descriptor_parses(string project)
    {
        var descriptor = PluginDescriptor.Read(Path.Combine(RepositoryRoot.Path, "plugins", project, PluginDescriptor.FileName));

        Assert.Matches("^[a-z][a-z0-9-]*$", descriptor.Id);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Version));
        Assert.True(ContractsVersion.IsCompatible(descriptor.ContractsVersion, ContractsVersion.Current));
        Assert.Equal(project + ".dll", descriptor.Assembly);

        // A plugin provides a store, directory or listener protocol, except one that only serves HTTP routes on the
        // host's web server (JMAP), which descriptors do not list.
        if (project != "Mail.Host.Plugins.Jmap")
        {
            Assert.NotEqual("-", descriptor.DescribeProvides());
        }
    }

    [Fact]
    public void The_memory_descriptor_says_what_it_provides()
    {
        var descriptor = PluginDescriptor.Read(Path.Combine(RepositoryRoot.Path, "plugins", "Mail.Host.Plugins.InMemory", PluginDescriptor.FileName));

        Assert.Equal("memory", descriptor.Id);
        Assert.Equal(StoreRoles.Data | StoreRoles.FullText | StoreRoles.Lookup, descriptor.StoreTypes["memory"]);
        Assert.Equal(["static"], descriptor.DirectoryTypes);
        Assert.Empty(descriptor.Protocols);
        Assert.Equal("store:memory(data,fullText,lookup) directory:static", descriptor.DescribeProvides());
    }

    [Fact]
    public void The_filesystem_descriptor_serves_blobs_only()
    {
        var descriptor = PluginDescriptor.Read(Path.Combine(RepositoryRoot.Path, "plugins", "Mail.Host.Plugins.FileSystem", PluginDescriptor.FileName));

        Assert.Equal("filesystem", descriptor.Id);
        Assert.Equal(StoreRoles.Blob, descriptor.StoreTypes["filesystem"]);
    }

    [Fact]
    public void Names_are_lower_cased_and_property_names_matched_regardless_of_case()
    {
        var path = Write("""
            {
              "ID": "sample", "Version": "2.0.0", "ContractsVersion": "1.0", "Assembly": "Sample.dll",
              "Provides": { "Stores": { "KV": [ "Data", "LOOKUP" ] }, "Directories": [ "LDAP" ], "Protocols": [ "IMAP" ] },
            }
            """);

        var descriptor = PluginDescriptor.Read(path);

        Assert.Equal("sample", descriptor.Id);
        Assert.Equal(new Version(1, 0), descriptor.ContractsVersion);
        Assert.Equal(StoreRoles.Data | StoreRoles.Lookup, descriptor.StoreTypes["kv"]);
        Assert.Equal(["ldap"], descriptor.DirectoryTypes);
        Assert.Equal(["imap"], descriptor.Protocols);
    }

    [Fact]
    public void Provides_may_be_left_out()
    {
        var descriptor = PluginDescriptor.Read(Write("""{ "id": "bare", "version": "1", "contractsVersion": "1.0.0", "assembly": "Bare.dll" }"""));

        Assert.Empty(descriptor.StoreTypes);
        Assert.Empty(descriptor.DirectoryTypes);
        Assert.Empty(descriptor.Protocols);
        Assert.Equal("-", descriptor.DescribeProvides());
    }

    [Theory]
    [InlineData("\"Memory\"", "'Memory'")]
    [InlineData("\"1memory\"", "'1memory'")]
    [InlineData("\"my_plugin\"", "'my_plugin'")]
    [InlineData("\"\"", "''")]
    [InlineData("null", "''")]
    public void A_bad_id_is_rejected(string id, string shown)
    {
        var message = Reject($$"""{ "id": {{id}}, "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "A.dll" }""");

        Assert.Contains($"has id {shown}", message, StringComparison.Ordinal);
        Assert.Contains("lower-case letters, digits and '-'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_over_64_characters_is_rejected()
    {
        var id = "a" + new string('b', 64);

        var message = Reject($$"""{ "id": "{{id}}", "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "A.dll" }""");

        Assert.Contains(id, message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_with_a_trailing_newline_is_rejected()
    {
        var message = Reject("""{ "id": "memory\n", "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "A.dll" }""");

        Assert.Contains("has id", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"version\": \"\",")]
    [InlineData("\"version\": \"  \",")]
    [InlineData("")]
    public void A_missing_version_is_rejected(string version)
    {
        var message = Reject($$"""{ "id": "sample", {{version}} "contractsVersion": "1.0.0", "assembly": "A.dll" }""");

        Assert.Contains("'sample' has no version", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("one")]
    [InlineData("1")]
    [InlineData("1.x")]
    [InlineData("")]
    public void An_unparsable_contracts_version_is_rejected(string contracts)
    {
        var message = Reject($$"""{ "id": "sample", "version": "1.0.0", "contractsVersion": "{{contracts}}", "assembly": "A.dll" }""");

        Assert.Contains($"'sample' has contractsVersion '{contracts}'", message, StringComparison.Ordinal);
        Assert.Contains("such as 1.0.0", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lib/Sample.dll")]
    [InlineData("../Sample.dll")]
    [InlineData("/opt/Sample.dll")]
    [InlineData("Sample.exe")]
    [InlineData("")]
    public void An_assembly_that_is_not_a_dll_file_name_is_rejected(string assembly)
    {
        var message = Reject($$"""{ "id": "sample", "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "{{assembly}}" }""");

        Assert.Contains($"'sample' has assembly '{assembly}'", message, StringComparison.Ordinal);
        Assert.Contains("file name of a .dll", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_assembly_with_a_backslash_is_rejected_on_every_platform()
    {
        var message = Reject("""{ "id": "sample", "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "lib\\Sample.dll" }""");

        Assert.Contains("has assembly 'lib\\Sample.dll'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("none")]
    [InlineData("")]
    public void An_unknown_role_is_rejected(string role)
    {
        var message = Reject($$"""{ "id": "sample", "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "A.dll", "provides": { "stores": { "kv": [ "data", "{{role}}" ] } } }""");

        Assert.Contains($"gives store type 'kv' the role '{role}'", message, StringComparison.Ordinal);
        Assert.Contains("roles are data, blob, fullText and lookup", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("16")]
    [InlineData("3")]
    [InlineData("data,blob")]
    public void A_role_that_is_a_number_or_a_list_is_rejected(string role)
    {
        var message = Reject($$"""{ "id": "sample", "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "A.dll", "provides": { "stores": { "kv": [ "{{role}}" ] } } }""");

        Assert.Contains($"the role '{role}'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"stores\": { \"kv\": null }")]
    [InlineData("\"directories\": [ null ]")]
    [InlineData("\"protocols\": [ null ]")]
    public void A_null_where_a_name_or_list_belongs_is_rejected_as_a_format_problem(string provides)
    {
        var path = Write($$"""{ "id": "sample", "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "A.dll", "provides": { {{provides}} } }""");

        var exception = Record.Exception(() => PluginDescriptor.Read(path));

        var format = Assert.IsType<FormatException>(exception);
        Assert.Contains("'sample'", format.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"id\": \"sample\", ", 1)]
    [InlineData("{\n  \"id\": \"sample\"\n  \"version\": \"1.0.0\"\n}", 3)]
    [InlineData("", 1)]
    public void Malformed_json_is_rejected_with_its_line(string json, int line)
    {
        var message = Reject(json);

        Assert.Contains("plugin.json is not valid JSON", message, StringComparison.Ordinal);
        Assert.Contains($"line {line},", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_rejected()
    {
        var message = Reject("""{ "id": "sample", "version": 1, "contractsVersion": "1.0.0", "assembly": "A.dll" }""");

        Assert.Contains("plugin.json", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_descriptor_saved_with_a_byte_order_mark_parses()
    {
        var path = folder.Combine("sample", PluginDescriptor.FileName);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, """{ "id": "sample", "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "Sample.dll" }""", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(0xEF, File.ReadAllBytes(path)[0]);

        Assert.Equal("sample", PluginDescriptor.Read(path).Id);
    }

    [Fact]
    public void A_null_document_is_rejected_as_empty()
    {
        var message = Reject("null");

        Assert.Contains("plugin.json is empty", message, StringComparison.Ordinal);
    }

    private string Write(string json) => folder.Write(Path.Combine("sample", PluginDescriptor.FileName), json);

    private string Reject(string json)
    {
        var path = Write(json);
        return Assert.Throws<FormatException>(() => PluginDescriptor.Read(path)).Message;
    }
}

using System.Text;
using Mail.Host.Startup;
using Xunit;

namespace Mail.Host.Tests;

public sealed class ManifestSyntaxTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Malformed_json_reports_the_one_based_line_and_column()
    {
        // Line 3 lacks the colon after "Hostname"; the next token, "x", starts in column 16.
        var path = folder.WriteManifest("{\n  \"Server\": {\n    \"Hostname\" \"x\"\n  }\n}\n");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("line 3, column 16", problem.Message, StringComparison.Ordinal);
        Assert.Equal($"{path}:3:16", problem.File);
        Assert.Contains("line 3, column 16", problem.Fix, StringComparison.Ordinal);
        Assert.Contains(path, problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void The_column_counts_characters_not_bytes()
    {
        // The '!' is the 33rd character of line 2; the three 'é' before it take two bytes each.
        var path = folder.WriteManifest("{\n  \"Server\": { \"Hostname\": \"\u00e9\u00e9\u00e9\" ! }\n}\n");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Equal($"{path}:2:33", problem.File);
    }

    [Fact]
    public void An_error_on_the_first_line_is_line_1()
    {
        var path = folder.WriteManifest("{ \"Server\": } ");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("line 1, column 13", problem.Message, StringComparison.Ordinal);
        Assert.Equal($"{path}:1:13", problem.File);
    }

    [Fact]
    public void The_json_reader_position_text_is_not_repeated_in_the_message()
    {
        var path = folder.WriteManifest("{ \"Server\": [ }");

        var problem = Assert.Single(Load.Problems(path));

        Assert.StartsWith("the manifest is not valid JSON at line 1", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber:", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unterminated_object_is_reported_as_invalid_json()
    {
        var path = folder.WriteManifest("{\n  \"Server\": {\n    \"Hostname\": \"x\"\n");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("not valid JSON", problem.Message, StringComparison.Ordinal);
        Assert.StartsWith(path + ":", problem.File, StringComparison.Ordinal);
    }

    [Fact]
    public void Comments_and_trailing_commas_are_allowed()
    {
        var path = folder.WriteManifest("""
            {
              // the host name
              "Server": { "Hostname": "mx.example.org", },
              /* block */
              "Http": { "Urls": [ "http://127.0.0.1:9090", ], },
            }
            """);

        var manifest = Load.Manifest(path);

        Assert.Equal("mx.example.org", manifest.Hostname);
        Assert.Equal(["http://127.0.0.1:9090"], manifest.HttpUrls);
    }

    [Theory]
    [InlineData("[ { \"Server\": {} } ]")]
    [InlineData("\"Server\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void A_root_that_is_not_an_object_is_one_problem(string json)
    {
        var path = folder.WriteManifest(json);

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("not a JSON object", problem.Message, StringComparison.Ordinal);
        Assert.Equal(path, problem.File);
        Assert.Contains("one JSON object", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_manifest_is_a_problem_naming_the_path()
    {
        var path = folder.Combine("absent.json");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains(path, problem.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", problem.Message, StringComparison.Ordinal);
        Assert.Equal(path, problem.File);
        Assert.Contains("--manifest", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_saved_with_a_byte_order_mark_loads()
    {
        var path = folder.Combine("mailhost.json");
        File.WriteAllText(path, "{ \"Server\": { \"Hostname\": \"bom.example.org\" } }", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(0xEF, File.ReadAllBytes(path)[0]);

        var manifest = Load.Manifest(path);

        Assert.Equal("bom.example.org", manifest.Hostname);
    }

    [Fact]
    public void A_key_given_twice_is_a_problem_not_a_crash()
    {
        var path = folder.WriteManifest("""
            { "Server": { "Hostname": "a.example.org", "hostname": "b.example.org" } }
            """);

        var exception = Record.Exception(() => Load.Manifest(path));

        var startup = Assert.IsType<StartupException>(exception);
        var problem = Assert.Single(startup.Problems);
        Assert.Contains("Server:Hostname", problem.Message, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith(path, problem.File, StringComparison.Ordinal);
    }
}

using System.Text.Json.Nodes;
using Mail.Host.Plugins.Jmap;
using Xunit;

namespace Mail.Host.Plugins.Tests.Jmap;

/// <summary>PatchObject application (RFC 8620 §5.3).</summary>
public sealed class JmapPatchTests
{
    private static JsonObject Target() => JsonNode.Parse("""{"name":"Inbox","keywords":{"$seen":true},"mailboxIds":{"M1":true},"sortOrder":1}""")!.AsObject();

    [Fact]
    public void Sets_whole_properties_and_members_and_removes_members_with_null()
    {
        var target = Target();
        var patch = JsonNode.Parse("""{"name":"Other","keywords/$flagged":true,"keywords/$seen":null,"mailboxIds/M2":true}""")!.AsObject();
        Assert.Null(JmapPatch.Apply(target, patch));
        Assert.Equal("Other", target["name"]!.GetValue<string>());
        Assert.True(target["keywords"]!["$flagged"]!.GetValue<bool>());
        Assert.False(target["keywords"]!.AsObject().ContainsKey("$seen"));
        Assert.Equal(2, target["mailboxIds"]!.AsObject().Count);
    }

    [Fact]
    public void A_top_level_null_resets_the_property_to_null()
    {
        var target = Target();
        Assert.Null(JmapPatch.Apply(target, JsonNode.Parse("""{"sortOrder":null}""")!.AsObject()));
        Assert.True(target.ContainsKey("sortOrder"));
        Assert.Null(target["sortOrder"]);
    }

    [Fact]
    public void Escaped_tokens_name_members_with_slashes_and_tildes()
    {
        var target = Target();
        Assert.Null(JmapPatch.Apply(target, JsonNode.Parse("""{"keywords/a~1b":true,"keywords/c~0d":true}""")!.AsObject()));
        Assert.True(target["keywords"]!.AsObject().ContainsKey("a/b"));
        Assert.True(target["keywords"]!.AsObject().ContainsKey("c~d"));
    }

    [Theory]
    [InlineData("""{"colour":"red"}""")]
    [InlineData("""{"/name":"x"}""")]
    [InlineData("""{"":"x"}""")]
    [InlineData("""{"keywords/*":true}""")]
    [InlineData("""{"missing/x":true}""")]
    [InlineData("""{"name/x":true}""")]
    [InlineData("""{"keywords":{},"keywords/$seen":true}""")]
    [InlineData("""{"keywords/a~2":true}""")]
    public void Invalid_patches_are_refused_and_explained(string patch)
        => Assert.False(string.IsNullOrEmpty(JmapPatch.Apply(Target(), JsonNode.Parse(patch)!.AsObject())));
}

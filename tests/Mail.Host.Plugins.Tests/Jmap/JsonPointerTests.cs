using System.Text.Json.Nodes;
using Mail.Host.Plugins.Jmap;
using Xunit;

namespace Mail.Host.Plugins.Tests.Jmap;

/// <summary>JSON Pointer as RFC 8620 §3.7 uses it in result references (RFC 6901 plus the <c>*</c> token).</summary>
public sealed class JsonPointerTests
{
    private static readonly JsonNode Document = JsonNode.Parse("""
        {"list":[{"id":"a","threadId":"t1","emailIds":["e1","e2"]},{"id":"b","threadId":"t2","emailIds":["e3"]}],
         "a/b":1,"m~n":2,"":3,"ids":["x","y"]}
        """)!;

    [Theory]
    [InlineData("/ids", "[\"x\",\"y\"]")]
    [InlineData("/ids/1", "\"y\"")]
    [InlineData("/list/0/id", "\"a\"")]
    [InlineData("/list/*/id", "[\"a\",\"b\"]")]
    [InlineData("/list/*/emailIds", "[\"e1\",\"e2\",\"e3\"]")]
    [InlineData("/a~1b", "1")]
    [InlineData("/m~0n", "2")]
    [InlineData("/", "3")]
    public void Resolves(string pointer, string expected)
    {
        Assert.True(JsonPointer.TryEvaluate(Document, pointer, out var result));
        Assert.Equal(expected, result!.ToJsonString());
    }

    [Theory]
    [InlineData("ids")]
    [InlineData("/missing")]
    [InlineData("/ids/2")]
    [InlineData("/ids/01")]
    [InlineData("/ids/-1")]
    [InlineData("/ids/x")]
    [InlineData("/list/*/missing")]
    [InlineData("/ids/0/deeper")]
    [InlineData("/m~2n")]
    [InlineData("/m~")]
    public void Fails(string pointer) => Assert.False(JsonPointer.TryEvaluate(Document, pointer, out _));

    [Fact]
    public void The_empty_pointer_is_the_whole_document_as_a_copy_that_can_be_placed_in_another_request()
    {
        Assert.True(JsonPointer.TryEvaluate(Document, string.Empty, out var result));
        Assert.True(JsonNode.DeepEquals(Document, result), result?.ToJsonString());

        // The document belongs to an earlier response; the value is put into the arguments of a later call.
        Assert.NotSame(Document, result);
        _ = new JsonObject { ["ids"] = result };
    }
}

using Xunit;

namespace Mail.Host.Tests;

/// <summary>The manifest's settings for shared mailboxes: per-user <c>\Seen</c> and the group membership cache.</summary>
public sealed class ManifestSharedMailboxSettingsTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Per_user_seen_is_on_and_groups_are_kept_30_seconds_by_default()
    {
        var settings = Load.Manifest(folder.WriteManifest("{}")).Mail;

        Assert.True(settings.PerUserSeenInSharedMailboxes);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.GroupMembershipCacheTime);
    }

    [Fact]
    public void The_values_given_are_used()
    {
        var path = folder.WriteManifest("""{ "Mail": { "PerUserSeenInSharedMailboxes": false, "GroupMembershipCacheSeconds": 5 } }""");

        var settings = Load.Manifest(path).Mail;

        Assert.False(settings.PerUserSeenInSharedMailboxes);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.GroupMembershipCacheTime);
    }

    [Theory]
    [InlineData("PerUserSeenInSharedMailboxes", "\"sometimes\"", "not true or false")]
    [InlineData("GroupMembershipCacheSeconds", "-5", "from 0 to 86400")]
    public void A_bad_value_is_a_problem_naming_the_key_and_the_fix(string key, string value, string expected)
    {
        var path = folder.WriteManifest($$"""{ "Mail": { "{{key}}": {{value}} } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains($"Mail:{key}", problem.Message, StringComparison.Ordinal);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
        Assert.Contains($"Mail:{key}", problem.Fix, StringComparison.Ordinal);
    }
}

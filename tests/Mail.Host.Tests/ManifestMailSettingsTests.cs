using Xunit;

namespace Mail.Host.Tests;

/// <summary>The manifest's <c>Mail</c> section: defaults, values used, and bad values reported with the fix.</summary>
public sealed class ManifestMailSettingsTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Without_a_mail_section_the_defaults_apply()
    {
        var settings = Load.Manifest(folder.WriteManifest("{}")).Mail;

        Assert.Equal('/', settings.HierarchySeparator);
        Assert.Equal(TimeSpan.FromDays(30), settings.ChangeRetention);
        Assert.Equal(TimeSpan.FromHours(1), settings.MaintenanceInterval);
        Assert.Equal(TimeSpan.FromHours(1), settings.PendingReferenceTimeout);
        Assert.Equal(64L * 1024 * 1024, settings.MaxMessageSize);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.NotificationPollInterval);
    }

    [Fact]
    public void Values_in_range_are_used()
    {
        var path = folder.WriteManifest("""
            { "Mail": { "HierarchySeparator": ".", "ChangeRetentionDays": 7, "MaintenanceIntervalSeconds": 600,
                        "PendingReferenceTimeoutSeconds": 120, "MaxMessageSizeBytes": 1048576, "NotificationPollMilliseconds": 250 } }
            """);

        var settings = Load.Manifest(path).Mail;

        Assert.Equal('.', settings.HierarchySeparator);
        Assert.Equal(TimeSpan.FromDays(7), settings.ChangeRetention);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.MaintenanceInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.PendingReferenceTimeout);
        Assert.Equal(1048576, settings.MaxMessageSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.NotificationPollInterval);
    }

    [Theory]
    [InlineData("HierarchySeparator", "\"|\"", "must be \"/\" or \".\"")]
    [InlineData("HierarchySeparator", "\"//\"", "must be \"/\" or \".\"")]
    [InlineData("ChangeRetentionDays", "0", "from 1 to 3650")]
    [InlineData("ChangeRetentionDays", "\"a month\"", "from 1 to 3650")]
    [InlineData("MaxMessageSizeBytes", "100", "from 1024 to")]
    [InlineData("NotificationPollMilliseconds", "10", "from 50 to 60000")]
    [InlineData("PendingReferenceTimeoutSeconds", "-1", "from 1 to")]
    public void A_bad_value_is_a_problem_naming_the_key_and_the_fix(string key, string value, string expected)
    {
        var path = folder.WriteManifest($$"""{ "Mail": { "{{key}}": {{value}} } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains($"Mail:{key}", problem.Message, StringComparison.Ordinal);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
        Assert.Equal(path, problem.File);
        Assert.Contains($"Mail:{key}", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_mail_key_gets_the_nearest_suggested()
    {
        var path = folder.WriteManifest("""{ "Mail": { "ChangeRetentionDay": 5 } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("ChangeRetentionDays", problem.Message + problem.Fix, StringComparison.Ordinal);
    }
}

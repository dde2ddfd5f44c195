using Xunit;

namespace Mail.Host.Tests;

public sealed class ContractsVersionTests
{
    [Theory]
    [InlineData("1.0.0", "1.0.0", true)]
    [InlineData("1.0.5", "1.0.0", true)]
    [InlineData("1.0", "1.0.0", true)]
    [InlineData("1.0.0", "1.3.0", true)]
    [InlineData("1.2.9", "1.3.0", true)]
    [InlineData("1.3.0", "1.3.0", true)]
    [InlineData("1.1.0", "1.0.0", false)]
    [InlineData("1.4.0", "1.3.0", false)]
    [InlineData("2.0.0", "1.0.0", false)]
    [InlineData("0.9.0", "1.0.0", false)]
    [InlineData("1.0.0", "2.0.0", false)]
    public void Same_major_and_a_minor_no_newer_than_the_host_is_compatible(string plugin, string host, bool expected)
        => Assert.Equal(expected, ContractsVersion.IsCompatible(Version.Parse(plugin), Version.Parse(host)));

    [Fact]
    public void The_host_implements_contracts_1_3_and_the_contracts_assembly_says_so()
    {
        Assert.Equal(1, ContractsVersion.Current.Major);
        Assert.Equal(3, ContractsVersion.Current.Minor);
        Assert.Equal(new Version(ContractsVersion.Current.Major, ContractsVersion.Current.Minor, ContractsVersion.Current.Build, 0), typeof(ContractsVersion).Assembly.GetName().Version);
    }

    [Fact]
    public void Null_versions_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => ContractsVersion.IsCompatible(null!, ContractsVersion.Current));
        Assert.Throws<ArgumentNullException>(() => ContractsVersion.IsCompatible(ContractsVersion.Current, null!));
    }
}

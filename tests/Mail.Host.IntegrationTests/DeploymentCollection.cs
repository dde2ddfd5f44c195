namespace Mail.Host.IntegrationTests;

/// <summary>One deployment build shared by every integration test class.</summary>
[CollectionDefinition(Name)]
public sealed class DeploymentCollection : ICollectionFixture<DeploymentFixture>
{
    public const string Name = "deployment";
}

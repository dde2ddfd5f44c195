using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// RFC 8620 §5.4: /copy, on Email. A user here has one account, so a copy between two accounts the user can both see
/// cannot happen: what is testable is the argument checks and the errors.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620StandardCopyTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Rfc8620_5_4_fromAccountId_equal_to_accountId_is_invalidArguments()
    {
        // RFC 8620 §5.4: "accountId: The id of the account to copy records to. This MUST be different to the fromAccountId."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await server.DeliverAndFindAsync(client, "Copy me");
        var inbox = await client.MailboxIdAsync("inbox");
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/copy", new JsonObject
        {
            ["fromAccountId"] = client.AccountId,
            ["create"] = new JsonObject { ["c"] = new JsonObject { ["id"] = id, ["mailboxIds"] = new JsonObject { [inbox] = true } } },
        }));
    }

    [Fact]
    public async Task Rfc8620_5_4_another_users_account_as_fromAccountId_is_fromAccountNotFound()
    {
        // RFC 8620 §5.4: "fromAccountNotFound: The fromAccountId does not correspond to a valid account."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var other = await server.NewUserAsync();
        Assert.Equal("fromAccountNotFound", await client.ErrorAsync("Email/copy", new JsonObject
        {
            ["fromAccountId"] = other.AccountId,
            ["create"] = new JsonObject { ["c"] = new JsonObject { ["id"] = "E1" } },
        }));
    }

    [Fact]
    public async Task Rfc8620_5_4_another_users_account_as_accountId_is_accountNotFound()
    {
        // RFC 8620 §3.6.2 / §5.4: the destination account must be one the user can see.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var other = await server.NewUserAsync();
        Assert.Equal("accountNotFound", await client.ErrorAsync("Email/copy", new JsonObject
        {
            ["accountId"] = other.AccountId,
            ["fromAccountId"] = client.AccountId,
            ["create"] = new JsonObject(),
        }));
    }

    [Fact]
    public async Task Rfc8620_5_4_a_missing_fromAccountId_is_invalidArguments()
    {
        // RFC 8620 §5.4: fromAccountId is required.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/copy", new JsonObject { ["create"] = new JsonObject() }));
    }
}

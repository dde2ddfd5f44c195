using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// Who may reach what: bearer tokens (issued, refused, revoked, bound to their account), accountNotFound for every
/// method family and URL given another user's account, and blob ids that never reach another account's data.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapAuthorizationTests(DeploymentFixture fixture)
{
    private const string Mail = "urn:ietf:params:jmap:mail";

    public static TheoryData<string, string> Methods => new()
    {
        { "Mailbox/get", Mail }, { "Mailbox/changes", Mail }, { "Mailbox/query", Mail }, { "Mailbox/queryChanges", Mail }, { "Mailbox/set", Mail },
        { "Email/get", Mail }, { "Email/changes", Mail }, { "Email/query", Mail }, { "Email/queryChanges", Mail }, { "Email/set", Mail },
        { "Email/import", Mail }, { "Email/parse", Mail }, { "Thread/get", Mail }, { "Thread/changes", Mail }, { "SearchSnippet/get", Mail },
        { "Identity/get", Submission }, { "Identity/changes", Submission }, { "Identity/set", Submission },
        { "EmailSubmission/get", Submission }, { "EmailSubmission/changes", Submission }, { "EmailSubmission/query", Submission },
        { "EmailSubmission/queryChanges", Submission }, { "EmailSubmission/set", Submission },
        { "VacationResponse/get", Vacation }, { "VacationResponse/set", Vacation },
        { "Blob/upload", Blob }, { "Blob/get", Blob }, { "Blob/lookup", Blob },
        { "Quota/get", Quota }, { "Quota/changes", Quota }, { "Quota/query", Quota }, { "Quota/queryChanges", Quota },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Rfc8620_3_6_2_every_method_answers_accountNotFound_for_another_users_account(string method, string capability)
    {
        // RFC 8620 §3.6.2: "accountNotFound: The accountId does not correspond to a valid account."
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("authz");
        using var bob = await server.NewUserAsync("authz");
        var arguments = new JsonObject { ["accountId"] = bob.AccountId, ["sinceState"] = "1", ["sinceQueryState"] = "1", ["ids"] = new JsonArray(), ["blobIds"] = new JsonArray(), ["emailIds"] = new JsonArray(), ["typeNames"] = new JsonArray("Email"), ["emails"] = new JsonObject(), ["create"] = new JsonObject() };
        Assert.Equal("accountNotFound", await alice.ErrorAsync(method, arguments, capability));
    }

    [Fact]
    public async Task Rfc8620_6_upload_and_download_urls_of_another_users_account_are_not_found()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("authz");
        using var bob = await server.NewUserAsync("authz");
        var bobs = await UploadAsync(bob, "bob's secret"u8.ToArray(), "text/plain");
        using var download = await alice.Http.GetAsync($"/jmap/download/{bob.AccountId}/{bobs}/s.txt");
        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
        using var content = new ByteArrayContent("x"u8.ToArray());
        using var upload = await alice.Http.PostAsync($"/jmap/upload/{bob.AccountId}/", content);
        Assert.Equal(HttpStatusCode.NotFound, upload.StatusCode);
        using var nowhere = await alice.Http.PostAsync("/jmap/upload/A999999999/", new ByteArrayContent("x"u8.ToArray()));
        Assert.Equal(HttpStatusCode.NotFound, nowhere.StatusCode);
    }

    [Fact]
    public async Task Bearer_token_of_one_user_never_opens_another_users_account()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("authz");
        using var bob = await server.NewUserAsync("authz");
        var (status, body) = await server.IssueTokenAsync(alice.Name);
        Assert.Equal(HttpStatusCode.Created, status);
        using var bearer = new JmapClient(server.BaseUrl, alice.Name, alice.Address);
        bearer.UseBearer(body!["token"]!.GetValue<string>());
        await bearer.LoadSessionAsync();
        Assert.Equal(alice.AccountId, bearer.AccountId);
        Assert.Equal([alice.AccountId], bearer.Session["accounts"]!.AsObject().Select(a => a.Key));
        Assert.Equal("accountNotFound", await bearer.ErrorAsync("Email/query", new JsonObject { ["accountId"] = bob.AccountId }));
        var bobs = await UploadAsync(bob, "private"u8.ToArray());
        using var download = await bearer.Http.GetAsync($"/jmap/download/{bob.AccountId}/{bobs}/p.bin");
        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);

        // A token sent as Basic credentials, or a token with a scheme the server does not know, is refused.
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{bob.Name}:{body["token"]!.GetValue<string>()}")));
        using var asBasic = await http.GetAsync("/jmap/session");
        Assert.Equal(HttpStatusCode.Unauthorized, asBasic.StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", body["token"]!.GetValue<string>());
        using var otherScheme = await http.GetAsync("/jmap/session");
        Assert.Equal(HttpStatusCode.Unauthorized, otherScheme.StatusCode);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_on_every_endpoint_with_401()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("authz");
        var (_, body) = await server.IssueTokenAsync(alice.Name);
        var token = body!["token"]!.GetValue<string>();
        using var revoke = await server.Mail.SendAsync(HttpMethod.Delete, "/api/admin/jmap/tokens", new StringContent($"{{\"token\":\"{token}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var api = await http.PostAsync("/jmap/api/", new StringContent("{\"using\":[],\"methodCalls\":[]}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var upload = await http.PostAsync($"/jmap/upload/{alice.AccountId}/", new ByteArrayContent("x"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
        using var download = await http.GetAsync($"/jmap/download/{alice.AccountId}/G{new string('0', 64)}/x");
        Assert.Equal(HttpStatusCode.Unauthorized, download.StatusCode);
        using var events = await http.GetAsync("/jmap/eventsource/?types=*&closeafter=state&ping=0", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Unauthorized, events.StatusCode);
    }

    [Theory]
    [InlineData(59)]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task A_token_lifetime_outside_the_allowed_range_is_refused_by_the_admin_api(int lifetime)
    {
        // An expired token is refused like a revoked one; the shortest lifetime the API issues is 60 s, so this suite
        // checks the bound and the expiry it reports rather than waiting a minute for one to lapse.
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("authz");
        using var refused = await server.Mail.SendAsync(HttpMethod.Post, "/api/admin/jmap/tokens", new StringContent($"{{\"account\":\"{alice.Name}\",\"lifetimeSeconds\":{lifetime}}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var issued = await server.Mail.SendAsync(HttpMethod.Post, "/api/admin/jmap/tokens", new StringContent($"{{\"account\":\"{alice.Name}\",\"lifetimeSeconds\":60}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var expires = DateTimeOffset.Parse(JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["expires"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddSeconds(50), DateTimeOffset.UtcNow.AddSeconds(70));
    }

    [Fact]
    public async Task Blob_ids_of_another_account_are_unknown_to_every_method()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("authz");
        using var bob = await server.NewUserAsync("authz");
        var bobsUpload = await UploadAsync(bob, Encoding.UTF8.GetBytes($"From: {bob.Address}\r\nTo: {bob.Address}\r\nSubject: Bob only\r\n\r\nSecret\r\n"), "message/rfc822");
        await server.DeliverAsync(bob.Address, "Bob's mail", "Secret body");
        var bobsEmail = (await EmailIdsAsync(bob))[0];
        var bobsProps = (await bob.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(bobsEmail), ["properties"] = new JsonArray("blobId", "textBody") }))["list"]![0]!;
        var bobsRaw = bobsProps["blobId"]!.GetValue<string>();
        var bobsPart = bobsProps["textBody"]![0]!["blobId"]!.GetValue<string>();
        var inbox = await alice.MailboxIdAsync("inbox");

        foreach (var blobId in new[] { bobsUpload, bobsRaw, bobsPart })
        {
            // Blob/get and Blob/lookup.
            var get = await alice.OkAsync("Blob/get", new JsonObject { ["ids"] = Ids(blobId), ["properties"] = new JsonArray("data:asText") }, Blob);
            Assert.Empty(get["list"]!.AsArray());
            var lookup = await alice.OkAsync("Blob/lookup", new JsonObject { ["typeNames"] = new JsonArray("Email"), ["ids"] = Ids(blobId) }, Blob);
            Assert.Empty(lookup["list"]!.AsArray());

            // Blob/upload with it as a data source.
            var upload = await alice.OkAsync("Blob/upload", new JsonObject { ["create"] = new JsonObject { ["c"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["blobId"] = blobId }) } } }, Blob);
            Assert.Equal("blobNotFound", upload["notCreated"]!["c"]!["type"]!.GetValue<string>());

            // Email/import and Email/parse.
            var imported = await alice.OkAsync("Email/import", new JsonObject { ["emails"] = new JsonObject { ["i"] = new JsonObject { ["blobId"] = blobId, ["mailboxIds"] = new JsonObject { [inbox] = true } } } });
            Assert.Equal("blobNotFound", imported["notCreated"]!["i"]!["type"]!.GetValue<string>());
            var parsed = await alice.OkAsync("Email/parse", new JsonObject { ["blobIds"] = Ids(blobId) });
            Assert.Single(parsed["notFound"]!.AsArray());

            // Email/set with it as an attachment.
            var set = await alice.OkAsync("Email/set", new JsonObject
            {
                ["create"] = new JsonObject
                {
                    ["e"] = new JsonObject
                    {
                        ["mailboxIds"] = new JsonObject { [inbox] = true },
                        ["subject"] = "Steal",
                        ["attachments"] = new JsonArray(new JsonObject { ["blobId"] = blobId, ["type"] = "text/plain" }),
                    },
                },
            });
            Assert.Equal("blobNotFound", set["notCreated"]!["e"]!["type"]!.GetValue<string>());

            // The download URL of her own account.
            using var download = await alice.Http.GetAsync($"/jmap/download/{alice.AccountId}/{blobId}/x");
            Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
        }

        Assert.Empty(await EmailIdsAsync(alice));
    }

    [Fact]
    public async Task Another_accounts_email_and_identity_cannot_be_submitted()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("authz");
        using var bob = await server.NewUserAsync("authz");
        var bobsDraft = await DraftToAsync(bob, "Bob's draft", alice.Address);
        var bobsIdentity = await IdentityIdAsync(bob);

        // Ids are per account: while Alice has no email, Bob's email id names nothing she can read or send.
        var set = await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = bobsDraft });
        Assert.Equal("invalidProperties", NotCreated(set));
        var got = await alice.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(bobsDraft) });
        Assert.Single(got["notFound"]!.AsArray());

        // Bob's identity: unless Alice has an identity with the same id (ids are per account), it is not hers.
        var aliceDraft = await DraftToAsync(alice, "Alice's draft", bob.Address);
        set = await SubmitAsync(alice, new JsonObject { ["identityId"] = bobsIdentity, ["emailId"] = aliceDraft });
        Assert.True(bobsIdentity != await IdentityIdAsync(alice) ? NotCreated(set) == "invalidProperties" : set["created"] is not null);
        Assert.Empty(await EmailIdsAsync(alice, new JsonObject { ["subject"] = "Bob's draft" }));

        // Once Alice has emails, the same id may name one of hers, never Bob's.
        got = await alice.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(bobsDraft), ["properties"] = new JsonArray("subject") });
        Assert.All(got["list"]!.AsArray(), e => Assert.NotEqual("Bob's draft", e!["subject"]!.GetValue<string>()));
    }
}

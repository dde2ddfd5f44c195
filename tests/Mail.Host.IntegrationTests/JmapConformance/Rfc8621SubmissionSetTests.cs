using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// RFC 8621 §7 and §7.5: EmailSubmission/set create (explicit and derived envelopes, every SetError the server can
/// produce), onSuccessUpdateEmail/onSuccessDestroyEmail, update (undoStatus) and destroy, deliveryStatus.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621SubmissionSetTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Rfc8621_7_5_an_explicit_envelope_decides_the_recipients_not_the_headers()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        using var bob = await server.NewUserAsync("sub");
        using var carol = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Envelope wins", bob.Address);
        var set = await SubmitAsync(alice, new JsonObject
        {
            ["identityId"] = await IdentityIdAsync(alice),
            ["emailId"] = email,
            ["envelope"] = new JsonObject
            {
                ["mailFrom"] = new JsonObject { ["email"] = alice.Address, ["parameters"] = null },
                ["rcptTo"] = new JsonArray(new JsonObject { ["email"] = carol.Address, ["parameters"] = null }),
            },
        });
        var id = Created(set);
        Assert.Single(await EmailIdsAsync(carol));
        Assert.Empty(await EmailIdsAsync(bob));
        var got = (await alice.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;
        Assert.Equal(alice.Address, got["envelope"]!["mailFrom"]!["email"]!.GetValue<string>());
        Assert.Equal(carol.Address, Assert.Single(got["envelope"]!["rcptTo"]!.AsArray())!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_7_5_a_derived_envelope_uses_to_cc_and_bcc_deduplicated_and_bcc_is_not_in_the_sent_message()
    {
        // RFC 8621 §7: rcptTo is "the deduplicated set of email addresses from the To, Cc, and Bcc header fields".
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        using var to = await server.NewUserAsync("sub");
        using var cc = await server.NewUserAsync("sub");
        using var bcc = await server.NewUserAsync("sub");
        var email = await CreateDraftAsync(alice, new JsonObject
        {
            ["subject"] = "Derived envelope",
            ["to"] = new JsonArray(new JsonObject { ["email"] = to.Address }, new JsonObject { ["email"] = cc.Address }),
            ["cc"] = new JsonArray(new JsonObject { ["email"] = cc.Address }),
            ["bcc"] = new JsonArray(new JsonObject { ["email"] = bcc.Address }),
        });
        var set = await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email });
        var id = Created(set);
        var got = (await alice.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;
        var rcptTo = got["envelope"]!["rcptTo"]!.AsArray().Select(r => r!["email"]!.GetValue<string>()).ToList();
        Assert.Equal(new[] { to.Address, cc.Address, bcc.Address }.Order(), rcptTo.Order());
        Assert.Equal(alice.Address, got["envelope"]!["mailFrom"]!["email"]!.GetValue<string>());

        foreach (var recipient in new[] { to, cc, bcc })
        {
            var received = Assert.Single(await EmailIdsAsync(recipient));
            var raw = await RawEmailAsync(recipient, received);

            // The Bcc recipients must stay hidden from every recipient, themselves included.
            Assert.DoesNotContain("\nBcc:", raw, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(bcc.Address, raw, StringComparison.OrdinalIgnoreCase);
        }

        // The sender's own copy keeps its Bcc header.
        var own = (await alice.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(email), ["properties"] = new JsonArray("bcc") }))["list"]![0]!;
        Assert.Equal(bcc.Address, own["bcc"]![0]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_7_5_a_derived_mailFrom_is_the_Sender_header_address_if_present()
    {
        // RFC 8621 §7: mailFrom is "the email address from the Sender header field, if present, otherwise ... the From header field".
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await NewUserAsync(server, "sender", extraAddresses: ["{name}.sec@example.org"]);
        using var bob = await server.NewUserAsync("sub");
        var secretary = alice.Name + ".sec@example.org";
        var email = await CreateDraftAsync(alice, new JsonObject
        {
            ["subject"] = "On behalf",
            ["sender"] = new JsonArray(new JsonObject { ["email"] = secretary }),
            ["to"] = new JsonArray(new JsonObject { ["email"] = bob.Address }),
        });
        var id = Created(await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email }));
        var got = (await alice.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;
        Assert.Equal(secretary, got["envelope"]!["mailFrom"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_7_5_a_derived_mailFrom_is_the_From_header_address_without_a_Sender()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await NewUserAsync(server, "from", extraAddresses: ["{name}.alt@example.org"]);
        using var bob = await server.NewUserAsync("sub");
        var alternate = alice.Name + ".alt@example.org";
        var email = await CreateDraftAsync(alice, new JsonObject
        {
            ["subject"] = "From the other address",
            ["from"] = new JsonArray(new JsonObject { ["email"] = alternate }),
            ["to"] = new JsonArray(new JsonObject { ["email"] = bob.Address }),
        });
        var id = Created(await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email }));
        var got = (await alice.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;
        Assert.Equal(alternate, got["envelope"]!["mailFrom"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_7_5_created_submission_has_final_undoStatus_sendAt_threadId_and_local_deliveryStatus()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        using var bob = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Status", bob.Address);
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        var set = await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email });
        var id = Created(set);
        var got = (await alice.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;

        // RFC 8621 §7: with no delayed send (maxDelayedSend 0) the submission is final at once.
        Assert.Equal("final", got["undoStatus"]!.GetValue<string>());
        var sendAt = DateTimeOffset.Parse(got["sendAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.EndsWith("Z", got["sendAt"]!.GetValue<string>());
        Assert.InRange(sendAt, before, DateTimeOffset.UtcNow.AddSeconds(5));
        var thread = (await alice.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(email), ["properties"] = new JsonArray("threadId") }))["list"]![0]!["threadId"]!.GetValue<string>();
        Assert.Equal(thread, got["threadId"]!.GetValue<string>());
        Assert.Equal(email, got["emailId"]!.GetValue<string>());

        // RFC 8621 §7: deliveryStatus is keyed by recipient address; "yes" when delivered to the recipient's mailbox.
        var status = got["deliveryStatus"]![bob.Address]!;
        Assert.Equal("yes", status["delivered"]!.GetValue<string>());
        Assert.StartsWith("250", status["smtpReply"]!.GetValue<string>());
        Assert.Contains(status["displayed"]!.GetValue<string>(), new[] { "unknown", "yes" });
        Assert.Empty(got["dsnBlobIds"]!.AsArray());
        Assert.Empty(got["mdnBlobIds"]!.AsArray());
    }

    [Fact]
    public async Task Rfc8621_7_5_a_local_recipient_that_does_not_exist_gets_a_failure_deliveryStatus_or_invalidRecipients()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Nobody", "nobody-at-all@example.org");
        var set = await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email });
        if (set["notCreated"]?["s"] is { } error)
        {
            Assert.Equal("invalidRecipients", error["type"]!.GetValue<string>());
            Assert.Contains("nobody-at-all@example.org", error["invalidRecipients"]!.AsArray().Select(r => r!.GetValue<string>()));
        }
        else
        {
            var got = (await alice.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(Created(set)) }, Submission))["list"]![0]!;
            var status = got["deliveryStatus"]!["nobody-at-all@example.org"]!;
            Assert.Equal("no", status["delivered"]!.GetValue<string>());
            Assert.StartsWith("5", status["smtpReply"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Rfc8621_7_5_an_email_without_a_From_is_invalidEmail()
    {
        // RFC 8621 §7.5: "invalidEmail: The Email to be sent is invalid in some way. The SetError SHOULD contain a property called properties".
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        using var bob = await server.NewUserAsync("sub");
        var email = await ImportRawAsync(alice, $"To: {bob.Address}\r\nSubject: No from\r\nMessage-ID: <nofrom-{Guid.NewGuid():N}@test>\r\n\r\nWho sent this?\r\n");
        var set = await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email });
        Assert.Equal("invalidEmail", NotCreated(set));
        Assert.Contains("from", set["notCreated"]!["s"]!["properties"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Empty(await EmailIdsAsync(bob));
    }

    [Fact]
    public async Task Rfc8621_7_5_no_recipients_in_the_envelope_or_the_headers_is_noRecipients()
    {
        // RFC 8621 §7.5: "noRecipients: The envelope (supplied or generated) has no rcptTo email addresses."
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var identity = await IdentityIdAsync(alice);
        var noHeaders = await CreateDraftAsync(alice, new JsonObject { ["subject"] = "To nobody" });
        Assert.Equal("noRecipients", NotCreated(await SubmitAsync(alice, new JsonObject { ["identityId"] = identity, ["emailId"] = noHeaders })));

        var email = await DraftToAsync(alice, "Empty envelope", alice.Address);
        var set = await SubmitAsync(alice, new JsonObject
        {
            ["identityId"] = identity,
            ["emailId"] = email,
            ["envelope"] = new JsonObject { ["mailFrom"] = new JsonObject { ["email"] = alice.Address }, ["rcptTo"] = new JsonArray() },
        });
        Assert.Equal("noRecipients", NotCreated(set));
    }

    [Fact]
    public async Task Rfc8621_7_5_invalid_recipient_addresses_are_invalidRecipients_listing_them()
    {
        // RFC 8621 §7.5: "invalidRecipients: The rcptTo property ... contains at least one address that is not a valid email
        // address. The SetError object SHOULD contain a property called invalidRecipients".
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Bad rcpt", alice.Address);
        var set = await SubmitAsync(alice, new JsonObject
        {
            ["identityId"] = await IdentityIdAsync(alice),
            ["emailId"] = email,
            ["envelope"] = new JsonObject
            {
                ["mailFrom"] = new JsonObject { ["email"] = alice.Address },
                ["rcptTo"] = new JsonArray(new JsonObject { ["email"] = alice.Address }, new JsonObject { ["email"] = "not an address" }, new JsonObject { ["email"] = "@example.org" }),
            },
        });
        Assert.Equal("invalidRecipients", NotCreated(set));
        var invalid = set["notCreated"]!["s"]!["invalidRecipients"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
        Assert.Contains("not an address", invalid);
        Assert.Contains("@example.org", invalid);
        Assert.DoesNotContain(alice.Address, invalid);
    }

    [Fact]
    public async Task Rfc8621_7_5_too_many_recipients_is_tooManyRecipients_with_maxRecipients()
    {
        // RFC 8621 §7.5: "tooManyRecipients: The envelope ... has more recipients than the server allows. A maxRecipients UnsignedInt property MUST also be present".
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Crowd", alice.Address);
        var recipients = new JsonArray([.. Enumerable.Range(0, 1001).Select(i => (JsonNode)new JsonObject { ["email"] = $"r{i}@elsewhere.test" })]);
        var set = await SubmitAsync(alice, new JsonObject
        {
            ["identityId"] = await IdentityIdAsync(alice),
            ["emailId"] = email,
            ["envelope"] = new JsonObject { ["mailFrom"] = new JsonObject { ["email"] = alice.Address }, ["rcptTo"] = recipients },
        });
        Assert.Equal("tooManyRecipients", NotCreated(set));
        var max = set["notCreated"]!["s"]!["maxRecipients"]!.GetValue<int>();
        Assert.InRange(max, 1, 1000);
    }

    [Fact]
    public async Task Rfc8621_7_5_an_envelope_sender_the_user_may_not_use_is_forbiddenMailFrom()
    {
        // RFC 8621 §7.5: "forbiddenMailFrom: The server does not permit the user to send an email with the envelope From."
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        using var bob = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Spoof envelope", bob.Address);
        var set = await SubmitAsync(alice, new JsonObject
        {
            ["identityId"] = await IdentityIdAsync(alice),
            ["emailId"] = email,
            ["envelope"] = new JsonObject { ["mailFrom"] = new JsonObject { ["email"] = bob.Address }, ["rcptTo"] = new JsonArray(new JsonObject { ["email"] = bob.Address }) },
        });
        Assert.Equal("forbiddenMailFrom", NotCreated(set));
        Assert.Empty(await EmailIdsAsync(bob));
    }

    [Fact]
    public async Task Rfc8621_7_5_a_From_header_the_user_may_not_use_is_forbiddenFrom()
    {
        // RFC 8621 §7.5: "forbiddenFrom: The server does not permit the user to send an email with the From header field".
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        using var bob = await server.NewUserAsync("sub");
        var email = await CreateDraftAsync(alice, new JsonObject
        {
            ["from"] = new JsonArray(new JsonObject { ["email"] = bob.Address }),
            ["to"] = new JsonArray(new JsonObject { ["email"] = bob.Address }),
        });
        var set = await SubmitAsync(alice, new JsonObject
        {
            ["identityId"] = await IdentityIdAsync(alice),
            ["emailId"] = email,
            ["envelope"] = new JsonObject { ["mailFrom"] = new JsonObject { ["email"] = alice.Address }, ["rcptTo"] = new JsonArray(new JsonObject { ["email"] = bob.Address }) },
        });
        Assert.Equal("forbiddenFrom", NotCreated(set));
        Assert.Empty(await EmailIdsAsync(bob));
    }

    [Theory]
    [InlineData("identityId", "I999999")]
    [InlineData("emailId", "E999999")]
    [InlineData("identityId", null)]
    [InlineData("emailId", null)]
    public async Task Rfc8620_5_3_an_unknown_or_missing_identityId_or_emailId_is_invalidProperties(string property, string? value)
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var create = new JsonObject
        {
            ["identityId"] = await IdentityIdAsync(alice),
            ["emailId"] = await DraftToAsync(alice, "Refs", alice.Address),
        };
        if (value is null)
        {
            create.Remove(property);
        }
        else
        {
            create[property] = value;
        }

        var set = await SubmitAsync(alice, create);
        Assert.Equal("invalidProperties", NotCreated(set));
        Assert.Contains(property, set["notCreated"]!["s"]!["properties"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Theory]
    [InlineData("\"not an envelope\"")]
    [InlineData("{\"rcptTo\":[{\"email\":\"x@example.org\"}]}")]
    [InlineData("{\"mailFrom\":{\"email\":\"ME\"},\"rcptTo\":\"x@example.org\"}")]
    [InlineData("{\"mailFrom\":{\"email\":\"ME\"},\"rcptTo\":[{\"name\":\"no email\"}]}")]
    public async Task Rfc8621_7_a_malformed_envelope_is_invalidProperties(string envelope)
    {
        // RFC 8621 §7: envelope is "Envelope|null", an object with mailFrom (Address) and rcptTo (Address[]).
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Malformed", alice.Address);
        var set = await SubmitAsync(alice, new JsonObject
        {
            ["identityId"] = await IdentityIdAsync(alice),
            ["emailId"] = email,
            ["envelope"] = JsonNode.Parse(envelope.Replace("ME", alice.Address, StringComparison.Ordinal)),
        });
        Assert.Equal("invalidProperties", NotCreated(set));
        Assert.Contains("envelope", set["notCreated"]!["s"]!["properties"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8621_7_5_smtp_parameters_for_a_delayed_send_the_server_does_not_offer_are_refused_not_ignored()
    {
        // RFC 8621 §1.3.2: maxDelayedSend "0 if the server does not support delayed send"; a HOLDFOR the server cannot honour
        // must not be sent at once as if it were not there.
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        using var bob = await server.NewUserAsync("sub");
        Assert.Equal(0, alice.Session["accounts"]![alice.AccountId]!["accountCapabilities"]![Submission]!["maxDelayedSend"]!.GetValue<int>());
        var email = await DraftToAsync(alice, "Later", bob.Address);
        var set = await SubmitAsync(alice, new JsonObject
        {
            ["identityId"] = await IdentityIdAsync(alice),
            ["emailId"] = email,
            ["envelope"] = new JsonObject
            {
                ["mailFrom"] = new JsonObject { ["email"] = alice.Address, ["parameters"] = new JsonObject { ["HOLDFOR"] = "600" } },
                ["rcptTo"] = new JsonArray(new JsonObject { ["email"] = bob.Address }),
            },
        });
        Assert.Equal("invalidProperties", NotCreated(set));
        Assert.Contains("envelope", set["notCreated"]!["s"]!["properties"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Empty(await EmailIdsAsync(bob));
    }

    [Fact]
    public async Task Rfc8621_7_5_a_final_submission_cannot_be_canceled_cannotUnsend()
    {
        // RFC 8621 §7.5: "cannotUnsend: The client attempted to update the undoStatus of a valid EmailSubmission object from pending to canceled, but the email cannot be unsent."
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var id = Created(await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = await DraftToAsync(alice, "Final", alice.Address) }));
        var set = await alice.OkAsync("EmailSubmission/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["undoStatus"] = "canceled" } } }, Submission);
        Assert.Equal("cannotUnsend", set["notUpdated"]![id]!["type"]!.GetValue<string>());
        var got = (await alice.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;
        Assert.Equal("final", got["undoStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_7_5_update_of_another_property_is_invalidProperties_and_of_an_unknown_id_notFound()
    {
        // RFC 8621 §7.5: "The only property that may be updated is undoStatus".
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Immutable", alice.Address);
        var id = Created(await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email }));
        var set = await alice.OkAsync("EmailSubmission/set", new JsonObject
        {
            ["update"] = new JsonObject
            {
                [id] = new JsonObject { ["emailId"] = "E999999" },
                ["S999999"] = new JsonObject { ["undoStatus"] = "canceled" },
            },
        }, Submission);
        Assert.Equal("invalidProperties", set["notUpdated"]![id]!["type"]!.GetValue<string>());
        Assert.Equal("notFound", set["notUpdated"]!["S999999"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_7_5_destroy_removes_the_submission_but_not_the_email()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Forget me", alice.Address);
        var id = Created(await SubmitAsync(alice, new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email }));
        var set = await alice.OkAsync("EmailSubmission/set", new JsonObject { ["destroy"] = Ids(id, "S999999") }, Submission);
        Assert.Contains(id, set["destroyed"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal("notFound", set["notDestroyed"]!["S999999"]!["type"]!.GetValue<string>());
        var got = await alice.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(id) }, Submission);
        Assert.Single(got["notFound"]!.AsArray());
        var emails = await alice.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(email), ["properties"] = new JsonArray("id") });
        Assert.Single(emails["list"]!.AsArray());
    }

    [Fact]
    public async Task Rfc8621_7_5_onSuccessDestroyEmail_with_a_creation_reference_destroys_the_email_in_an_implicit_Email_set()
    {
        // RFC 8621 §7.5: "the server MUST ... make a second method call to Email/set ... The response to this MUST be returned after the EmailSubmission/set response."
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        using var bob = await server.NewUserAsync("sub");
        var email = await DraftToAsync(alice, "Send and forget", bob.Address);
        var responses = await alice.CallAsync([.. JmapClient.MailUsing, Submission],
            new JsonArray("EmailSubmission/set", new JsonObject
            {
                ["accountId"] = alice.AccountId,
                ["create"] = new JsonObject { ["k"] = new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email } },
                ["onSuccessDestroyEmail"] = new JsonArray("#k"),
            }, "c1"),
            new JsonArray("Core/echo", new JsonObject { ["after"] = true }, "c2"));
        Assert.Equal(3, responses.Count);
        Assert.Equal("EmailSubmission/set", responses[0]![0]!.GetValue<string>());
        Assert.Equal("Email/set", responses[1]![0]!.GetValue<string>());
        Assert.Equal("c1", responses[1]![2]!.GetValue<string>());
        Assert.Equal([email], responses[1]![1]!["destroyed"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal("Core/echo", responses[2]![0]!.GetValue<string>());
        var got = await alice.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(email) });
        Assert.Single(got["notFound"]!.AsArray());
        Assert.Single(await EmailIdsAsync(bob));
    }

    [Fact]
    public async Task Rfc8621_7_5_onSuccess_arguments_are_not_applied_for_a_failed_create()
    {
        // RFC 8621 §7.5: onSuccessUpdateEmail applies "if the EmailSubmission/set succeeds" for that id.
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        var email = await CreateDraftAsync(alice, new JsonObject { ["subject"] = "Will fail" });
        var responses = await alice.CallAsync([.. JmapClient.MailUsing, Submission],
            new JsonArray("EmailSubmission/set", new JsonObject
            {
                ["accountId"] = alice.AccountId,
                ["create"] = new JsonObject { ["k"] = new JsonObject { ["identityId"] = await IdentityIdAsync(alice), ["emailId"] = email } },
                ["onSuccessUpdateEmail"] = new JsonObject { ["#k"] = new JsonObject { ["keywords/$seen"] = true } },
                ["onSuccessDestroyEmail"] = new JsonArray("#k"),
            }, "c1"));
        Assert.Equal("noRecipients", responses[0]![1]!["notCreated"]!["k"]!["type"]!.GetValue<string>());
        var got = (await alice.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(email), ["properties"] = new JsonArray("keywords") }))["list"]!;
        var kept = Assert.Single(got.AsArray())!;
        Assert.Null(kept["keywords"]!["$seen"]);
    }

    [Fact]
    public async Task Rfc8621_7_5_submitting_several_in_one_call_with_onSuccessUpdateEmail_updates_each_email()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("sub");
        using var bob = await server.NewUserAsync("sub");
        var identity = await IdentityIdAsync(alice);
        var sent = await alice.MailboxIdAsync("sent");
        var drafts = await alice.MailboxIdAsync("drafts");
        var one = await DraftToAsync(alice, "One", bob.Address);
        var two = await DraftToAsync(alice, "Two", bob.Address);
        var moved = new JsonObject { [$"mailboxIds/{drafts}"] = null, [$"mailboxIds/{sent}"] = true };
        var set = await alice.OkAsync("EmailSubmission/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["a"] = new JsonObject { ["identityId"] = identity, ["emailId"] = one },
                ["b"] = new JsonObject { ["identityId"] = identity, ["emailId"] = two },
            },
            ["onSuccessUpdateEmail"] = new JsonObject { ["#a"] = moved.DeepClone(), ["#b"] = moved.DeepClone() },
        }, Submission);
        Created(set, "a");
        Created(set, "b");
        var inSent = await EmailIdsAsync(alice, new JsonObject { ["inMailbox"] = sent });
        Assert.Equal(new[] { one, two }.Order(), inSent.Order());
        Assert.Equal(2, (await EmailIdsAsync(bob)).Count);
    }
}

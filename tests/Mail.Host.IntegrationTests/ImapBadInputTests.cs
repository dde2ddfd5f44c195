using System.Net.Sockets;
using System.Text;

namespace Mail.Host.IntegrationTests;

/// <summary>The IMAP plugin against malformed, oversized, flooding and hostile input: clear BAD or NO answers, and a server that stays up.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class ImapBadInputTests(DeploymentFixture fixture) : IDisposable
{
    private readonly TestDeployment deployment = new(fixture);

    public void Dispose() => deployment.Dispose();

    private int ImapPort => deployment.ListenerPorts["imap"];

    [Fact]
    public async Task Syntax_errors_unknown_commands_wrong_state_and_bad_sequence_sets_get_bad_and_the_connection_stays_usable()
    {
        await StartAsync();
        using var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        Assert.StartsWith("a1 BAD", (await wire.CommandAsync("a1", "FROBNICATE"))[^1]);
        Assert.StartsWith("a2 BAD", (await wire.CommandAsync("a2", "SELECT INBOX"))[^1]);
        Assert.StartsWith("a3 BAD", (await wire.CommandAsync("a3", "FETCH 1 FLAGS"))[^1]);
        Assert.StartsWith("a4 OK", (await wire.CommandAsync("a4", $"LOGIN alice \"{ImapTests.AlicePassword}\""))[^1]);
        Assert.StartsWith("a5 BAD", (await wire.CommandAsync("a5", "LOGIN alice again"))[^1]);
        Assert.StartsWith("a6 BAD", (await wire.CommandAsync("a6", "STATUS INBOX (MESSAGES"))[^1]);
        Assert.StartsWith("a7 BAD", (await wire.CommandAsync("a7", "LIST \"\" \"*"))[^1]);
        Assert.StartsWith("a8 OK", (await wire.CommandAsync("a8", "APPEND INBOX {12+}\r\nSubject: x\r\n"))[^1]);
        Assert.StartsWith("a9 OK", (await wire.CommandAsync("a9", "SELECT INBOX"))[^1]);
        Assert.StartsWith("b1 BAD", (await wire.CommandAsync("b1", "FETCH 0 FLAGS"))[^1]);
        Assert.StartsWith("b2 BAD", (await wire.CommandAsync("b2", "FETCH 2 FLAGS"))[^1]);
        Assert.StartsWith("b3 BAD", (await wire.CommandAsync("b3", "FETCH 1:a FLAGS"))[^1]);
        Assert.StartsWith("b4 BAD", (await wire.CommandAsync("b4", "FETCH 1 (FLAGS"))[^1]);
        Assert.StartsWith("b5 BAD", (await wire.CommandAsync("b5", "FETCH 1 BODY[1.HEADER.FIELDS (FROM]"))[^1]);
        Assert.StartsWith("b6 BAD", (await wire.CommandAsync("b6", "SEARCH (SEEN"))[^1]);
        Assert.StartsWith("b7 BAD", (await wire.CommandAsync("b7", "STORE 1 +FLAGS (\\Bogus)"))[^1]);
        var star = await wire.CommandAsync("b8", "FETCH * UID");
        Assert.StartsWith("* 1 FETCH (UID ", star[0]);
        var uidStar = await wire.CommandAsync("b9", "UID FETCH 4000000000:* UID");
        Assert.StartsWith("* 1 FETCH (UID ", uidStar[0]);
        Assert.StartsWith("c1 OK", (await wire.CommandAsync("c1", "UID FETCH 5:7 FLAGS"))[^1]);
        Assert.Equal(["* SEARCH", "c2 OK SEARCH completed"], await wire.CommandAsync("c2", "SEARCH 5:7"));
        Assert.StartsWith("c3 OK", (await wire.CommandAsync("c3", "NOOP"))[^1]);
    }

    [Fact]
    public async Task Oversized_literals_are_refused_before_they_are_read_and_invalid_modified_utf7_is_refused()
    {
        deployment.EditManifest(m => m["Listeners"]!["imap"]!["AppendLimit"] = 4096);
        await StartAsync();
        using var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        await wire.CommandAsync("a1", $"LOGIN alice \"{ImapTests.AlicePassword}\"");

        // A synchronizing literal over APPENDLIMIT: refused at once, no continuation request.
        await wire.SendAsync("a2 APPEND INBOX {100000}\r\n");
        var refused = await wire.LineAsync();
        Assert.StartsWith("a2 NO [TOOBIG]", refused);

        // A non-synchronizing one: its bytes are read and dropped, and the connection carries on.
        var big = new string('x', 100_000);
        await wire.SendAsync($"a3 APPEND INBOX {{100000+}}\r\n{big}\r\n");
        Assert.StartsWith("a3 BAD [TOOBIG]", (await wire.UntilTaggedAsync("a3"))[^1]);
        Assert.StartsWith("a4 OK", (await wire.CommandAsync("a4", "NOOP"))[^1]);

        // Within the limit, a synchronizing literal is invited with a continuation.
        await wire.SendAsync("a5 APPEND INBOX {12}\r\n");
        Assert.StartsWith("+ ", await wire.LineAsync());
        await wire.SendAsync("Subject: x\r\n\r\n");
        Assert.StartsWith("a5 OK [APPENDUID ", (await wire.UntilTaggedAsync("a5"))[^1]);

        Assert.StartsWith("a6 NO", (await wire.CommandAsync("a6", "CREATE \"Bad&Jjo\""))[^1]);
        Assert.StartsWith("a7 NO", (await wire.CommandAsync("a7", "CREATE \"Bad&AGE-\""))[^1]);
        Assert.StartsWith("a8 OK", (await wire.CommandAsync("a8", "CREATE \"Caf&AOk-\""))[^1]);
        var list = await wire.CommandAsync("a9", "LIST \"\" \"Caf*\"");
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" Caf&AOk-", list);
        Assert.StartsWith("b1 OK", (await wire.CommandAsync("b1", "ENABLE UTF8=ACCEPT"))[^1]);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"Caf\u00e9\"", await wire.CommandAsync("b2", "LIST \"\" \"Caf*\""));
    }

    [Fact]
    public async Task One_hundred_thousand_pipelined_commands_are_all_answered_in_order()
    {
        await StartAsync();
        using var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        await wire.CommandAsync("a0", $"LOGIN alice \"{ImapTests.AlicePassword}\"");
        const int count = 100_000;
        var commands = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            commands.Append('p').Append(i).Append(i % 3 == 0 ? " NOOP\r\n" : i % 3 == 1 ? " BOGUS\r\n" : " CAPABILITY\r\n");
        }

        var sending = wire.SendAsync(commands.ToString());
        var expected = 0;
        while (expected < count)
        {
            var line = await wire.LineAsync() ?? throw new IOException("closed");
            if (line.StartsWith('p'))
            {
                var tag = line[..line.IndexOf(' ')];
                Assert.Equal("p" + expected, tag);
                Assert.Contains(expected % 3 == 1 ? " BAD " : " OK ", line);
                expected++;
            }
        }

        await sending;
        Assert.StartsWith("z OK", (await wire.CommandAsync("z", "NOOP"))[^1]);
    }

    [Fact]
    public async Task A_client_that_never_reads_is_disconnected_and_others_are_served()
    {
        deployment.EditManifest(m =>
        {
            m["Listeners"]!["imap"]!["CommandTimeoutSeconds"] = 5;
            m["Listeners"]!["imap"]!["MaxOutputBuffer"] = 65536;
        });
        await StartAsync();
        using var setup = await ImapWire.ConnectAsync(ImapPort);
        await setup.GreetingAsync();
        await setup.CommandAsync("a", $"LOGIN alice \"{ImapTests.AlicePassword}\"");
        var body = new string('y', 200_000);
        var message = $"Subject: big\r\n\r\n{body}\r\n";
        await setup.SendAsync($"b APPEND INBOX {{{message.Length}+}}\r\n{message}\r\n");
        Assert.StartsWith("b OK", (await setup.UntilTaggedAsync("b"))[^1]);

        using var client = new TcpClient();
        client.ReceiveBufferSize = 4096;
        await client.ConnectAsync("127.0.0.1", ImapPort);
        var stream = client.GetStream();
        var flood = new StringBuilder($"a LOGIN alice \"{ImapTests.AlicePassword}\"\r\nb SELECT INBOX\r\n");
        for (var i = 0; i < 2000; i++)
        {
            flood.Append("f").Append(i).Append(" FETCH 1 BODY.PEEK[]\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(flood.ToString()));
        var closed = false;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (DateTime.UtcNow < until && !closed)
        {
            await Task.Delay(500);
            closed = client.Client.Poll(0, SelectMode.SelectRead) && client.Available == 0;
            if (!closed)
            {
                try
                {
                    // Keep our receive window shut: read nothing, but notice a reset.
                    await stream.WriteAsync("x NOOP\r\n"u8.ToArray());
                }
                catch (IOException)
                {
                    closed = true;
                }
            }
        }

        Assert.True(closed || !client.Connected, "the server kept a client that never reads");
        using var after = await ImapWire.ConnectAsync(ImapPort);
        await after.GreetingAsync();
        Assert.StartsWith("c OK", (await after.CommandAsync("c", $"LOGIN alice \"{ImapTests.AlicePassword}\""))[^1]);
    }

    [Fact]
    public async Task A_thousand_concurrent_connections_are_served()
    {
        await StartAsync();
        var wires = new List<ImapWire>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                wires.Add(await ImapWire.ConnectAsync(ImapPort));
            }

            foreach (var wire in wires)
            {
                Assert.StartsWith("* OK", await wire.GreetingAsync());
            }

            // Every connection is served at once; a sample logs in (each login hashes a password, which is the
            // directory's cost, not the protocol's) and selects while the others stay open.
            await Parallel.ForEachAsync(wires, new ParallelOptions { MaxDegreeOfParallelism = 100 }, async (wire, _) =>
            {
                Assert.StartsWith("a OK", (await wire.CommandAsync("a", "CAPABILITY"))[^1]);
            });
            await Parallel.ForEachAsync(wires.Where((_, i) => i % 20 == 0), new ParallelOptions { MaxDegreeOfParallelism = 10 }, async (wire, _) =>
            {
                Assert.StartsWith("b OK", (await wire.CommandAsync("b", $"LOGIN alice \"{ImapTests.AlicePassword}\""))[^1]);
                Assert.StartsWith("c OK", (await wire.CommandAsync("c", "SELECT INBOX"))[^1]);
            });
            Assert.StartsWith("d OK", (await wires[^1].CommandAsync("d", "NOOP"))[^1]);
        }
        finally
        {
            foreach (var wire in wires)
            {
                wire.Dispose();
            }
        }
    }

    [Fact]
    public async Task Random_bytes_do_not_take_the_server_down()
    {
        var server = await StartAsync();
        var random = new Random(5);
        for (var round = 0; round < 40; round++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", ImapPort);
            var stream = client.GetStream();
            var bytes = new byte[random.Next(1, 20_000)];
            random.NextBytes(bytes);
            if (round % 4 == 0)
            {
                // Some rounds look like commands with broken literals, parentheses and brackets.
                bytes = Encoding.ASCII.GetBytes($"a{round} LOGIN {{5}}\r\n((((]]]{{99999999999999999}}\r\n* ~{{3+}}\r\nabc\r\n").Concat(bytes).ToArray();
            }

            try
            {
                await stream.WriteAsync(bytes);
                using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                var sink = new byte[65536];
                while (await stream.ReadAsync(sink, timeout.Token) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
                // The server may close on garbage; what matters is that it stays up.
            }
        }

        Assert.False(server.HasExited);
        using var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        Assert.StartsWith("a OK", (await wire.CommandAsync("a", $"LOGIN alice \"{ImapTests.AlicePassword}\""))[^1]);
    }

    private async Task<ServerProcess> StartAsync()
    {
        var server = await deployment.StartServerAsync(ImapTests.Environment);
        var mail = new MailClient(server.Http, ImapTests.AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
        return server;
    }
}

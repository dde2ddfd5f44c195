using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// What the external directory tests do as clients: send over SMTP, log in over SMTP AUTH (PLAIN/LOGIN or
/// SCRAM-SHA-256), IMAP and JMAP, and read the answers as the codes and texts the tests compare.
/// </summary>
internal static class DirectoryClients
{
    /// <summary>Sends a short message from a remote sender over plain SMTP.</summary>
    public static async Task SendAsync(int port, string subject, string to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@elsewhere.test"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello." };
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    /// <summary>Logs in over SMTP AUTH after STARTTLS, with the mechanism MailKit prefers; throws when refused.</summary>
    public static async Task AuthenticateAsync(int port, string user, string password)
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(user, password);
        await client.DisconnectAsync(true);
    }

    /// <summary>The server's reply to AUTH: <c>235</c> on success, otherwise its code, enhanced code and text.</summary>
    public static Task<string> AuthReplyAsync(int port, string user, string password)
        => ReplyOfAsync(() => AuthenticateAsync(port, user, password));

    /// <summary>The server's reply to AUTH SCRAM-SHA-256 (MailKit checks the server's signature): <c>235</c>, or the code and text.</summary>
    public static async Task<string> ScramReplyAsync(int port, string user, string password)
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.StartTls);
        Assert.Contains("SCRAM-SHA-256", client.AuthenticationMechanisms);
        return await ReplyOfAsync(() => client.AuthenticateAsync(new SaslMechanismScramSha256(new NetworkCredential(user, password))));
    }

    /// <summary>
    /// After a directory outage: tries AUTH until it succeeds, for at most 30 seconds, each failure meanwhile being a
    /// temporary one (the pool may first hand out a connection the outage cut). Answers the last reply.
    /// </summary>
    public static async Task<string> AuthReplyOnceBackAsync(int port, string user, string password)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string reply;
        do
        {
            reply = await AuthReplyAsync(port, user, password);
            if (reply == "235")
            {
                break;
            }

            Assert.StartsWith("454 ", reply);
            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        return reply;
    }

    /// <summary>Logs in over IMAP; answers <c>OK</c> (after checking the inbox's message count when given) or the reply's text after the tag.</summary>
    public static async Task<string> ImapLoginAsync(TestDeployment deployment, string user, string password, int? expectMessages = null)
    {
        using var imap = await ImapWire.ConnectAsync(deployment.ListenerPorts["imap"]);
        await imap.GreetingAsync();
        var login = (await imap.CommandAsync("a1", $"LOGIN \"{user}\" \"{password}\""))[^1];
        if (!login.StartsWith("a1 OK", StringComparison.Ordinal))
        {
            return login["a1 ".Length..];
        }

        if (expectMessages is { } count)
        {
            var select = await imap.CommandAsync("a2", "SELECT INBOX");
            Assert.StartsWith("a2 OK", select[^1]);
            Assert.Contains($"* {count} EXISTS", select);
        }

        return "OK";
    }

    /// <summary>Logs in over IMAP with AUTHENTICATE SCRAM-SHA-256 after STARTTLS (MailKit checks the server's signature); throws when refused.</summary>
    public static async Task ImapScramLoginAsync(TestDeployment deployment, string user, string password)
    {
        using var imap = new MailKit.Net.Imap.ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await imap.ConnectAsync("127.0.0.1", deployment.ListenerPorts["imap"], SecureSocketOptions.StartTls);
        Assert.Contains("SCRAM-SHA-256", imap.AuthenticationMechanisms);
        await imap.AuthenticateAsync(new SaslMechanismScramSha256(new NetworkCredential(user, password)));
        Assert.True(imap.IsAuthenticated);
        await imap.DisconnectAsync(true);
    }

    /// <summary>The status JMAP's session resource answers for these credentials (HTTP Basic).</summary>
    public static async Task<HttpStatusCode> JmapSessionAsync(TestDeployment deployment, string user, string password)
    {
        using var http = new HttpClient { BaseAddress = new Uri(deployment.HttpUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        using var session = await http.GetAsync("/jmap/session");
        return session.StatusCode;
    }

    /// <summary>An SMTP client that accepts the test server's self-signed certificate.</summary>
    public static SmtpClient NewClient() => new() { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };

    private static async Task<string> ReplyOfAsync(Func<Task> authenticate)
    {
        try
        {
            await authenticate();
            return "235";
        }
        catch (AuthenticationException ex) when (ex.InnerException is SmtpCommandException inner)
        {
            return $"{(int)inner.StatusCode} {inner.Message}";
        }
        catch (AuthenticationException ex)
        {
            return ex.Message.Replace(":", string.Empty, StringComparison.Ordinal);
        }
    }
}

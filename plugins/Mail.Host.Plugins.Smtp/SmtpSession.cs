using System.Buffers;
using System.Globalization;
using System.Security.Authentication;
using System.Text;
using Mail.Host.Directory;
using Mail.Host.Mail;
using Mail.Host.Plugins.Smtp.Authentication;
using Mail.Host.Protocols;
using Mail.Host.Protocols.Sdk;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Smtp;

/// <summary>One SMTP, submission or LMTP session (RFC 5321, 6409, 2033).</summary>
internal sealed class SmtpSession(SmtpListener listener, LineConnection connection)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly SmtpListenerOptions options = listener.Options;
    private readonly List<QueuedRecipient> recipients = [];
    private readonly string sessionId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 6));
    private string? helo;
    private bool extended;
    private Principal? principal;
    private int errors;
    private int transactions;

    // The transaction.
    private string? mailFrom;
    private string? body;
    private bool smtpUtf8;
    private string? ret;
    private string? envelopeId;
    private bool requireTls;
    private int receivedHeaderLength;
    private MessageSpool? chunks;

    private bool Lmtp => listener.Mode == SmtpMode.Lmtp;

    private bool AuthAllowed => !Lmtp && (connection.IsSecure || options.AllowPlaintextAuth);

    public async Task RunAsync(CancellationToken stopping)
    {
        connection.ReadTimeout = options.CommandTimeout;
        try
        {
            if (listener.Tls == TlsMode.Implicit)
            {
                await connection.UpgradeToTlsAsync(listener.Certificate!, options.CommandTimeout, stopping).ConfigureAwait(false);
            }

            Reply($"220 {listener.Hostname} {(Lmtp ? "LMTP" : "ESMTP")} Mail Host ready");
            while (true)
            {
                LineReadResult line;
                try
                {
                    line = await connection.ReadLineAsync(options.MaxLineLength, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    Reply($"421 4.3.2 {listener.Hostname} Service shutting down");
                    await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                if (!await HandleAsync(line).ConfigureAwait(false))
                {
                    await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                if (errors >= options.MaxErrors)
                {
                    Reply($"421 4.7.0 {listener.Hostname} Too many errors, closing the connection");
                    await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (TimeoutException)
        {
            try
            {
                Reply($"421 4.4.2 {listener.Hostname} Timeout, closing the connection");
                await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException)
            {
                // The client is not reading either.
            }
        }
        finally
        {
            chunks?.Dispose();
        }
    }

    private void Reply(string line) => connection.WriteLine(line);

    private void Error(string line)
    {
        errors++;
        Reply(line);
    }

    /// <summary>Handles one command line; false ends the session.</summary>
    private async ValueTask<bool> HandleAsync(LineReadResult line)
    {
        switch (line.Status)
        {
            case LineReadStatus.Closed:
                return false;
            case LineReadStatus.TooLong:
                Error("500 5.5.2 Line too long");
                return true;
        }

        if (line.HasNul || line.HasBareCr)
        {
            Error("500 5.5.2 Syntax error: NUL or bare CR in a command");
            return true;
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(line.Line);
        }
        catch (DecoderFallbackException)
        {
            Error("500 5.5.2 Syntax error: a command must be UTF-8");
            return true;
        }

        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? text : text[..space]).ToUpperInvariant();
        var argument = space < 0 ? string.Empty : text[(space + 1)..].Trim(' ');
        switch (verb)
        {
            case "EHLO" when !Lmtp:
            case "LHLO" when Lmtp:
                Hello(argument, extendedHello: true);
                return true;
            case "HELO" when !Lmtp:
                Hello(argument, extendedHello: false);
                return true;
            case "STARTTLS":
                return await StartTlsAsync(argument).ConfigureAwait(false);
            case "AUTH":
                await AuthenticateAsync(argument).ConfigureAwait(false);
                return true;
            case "MAIL":
                await MailAsync(argument).ConfigureAwait(false);
                return true;
            case "RCPT":
                await RecipientAsync(argument).ConfigureAwait(false);
                return true;
            case "DATA":
                return await DataAsync(argument).ConfigureAwait(false);
            case "BDAT":
                return await ChunkAsync(argument).ConfigureAwait(false);
            case "RSET":
                ResetTransaction();
                Reply("250 2.0.0 OK");
                return true;
            case "NOOP":
                Reply("250 2.0.0 OK");
                return true;
            case "VRFY":
                Reply("252 2.5.0 Cannot VRFY the user; send the message and delivery will be attempted");
                return true;
            case "EXPN":
                Error("502 5.5.1 EXPN is not available");
                return true;
            case "HELP":
                Reply("214 2.0.0 See RFC 5321");
                return true;
            case "QUIT":
                Reply($"221 2.0.0 {listener.Hostname} closing connection");
                return false;
            default:
                Error("500 5.5.1 Command unrecognized");
                return true;
        }
    }

    private void Hello(string argument, bool extendedHello)
    {
        if (argument.Length == 0 || argument.Contains(' ', StringComparison.Ordinal))
        {
            Error("501 5.5.4 Syntax: " + (extendedHello ? (Lmtp ? "LHLO" : "EHLO") : "HELO") + " hostname");
            return;
        }

        ResetTransaction();
        helo = argument;
        extended = extendedHello;
        if (!extendedHello)
        {
            Reply($"250 {listener.Hostname}");
            return;
        }

        var lines = new List<string>
        {
            $"{listener.Hostname} Hello {argument} [{connection.RemoteEndPoint.Address}]",
            "PIPELINING",
            $"SIZE {listener.MaxMessageSize}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "CHUNKING",
            "BINARYMIME",
            "DSN",
        };
        if (listener.Tls == TlsMode.StartTls && !connection.IsSecure)
        {
            lines.Add("STARTTLS");
        }

        if (AuthAllowed && principal is null)
        {
            lines.Add(listener.Directory is IScramSecretStore ? "AUTH SCRAM-SHA-256 PLAIN LOGIN" : "AUTH PLAIN LOGIN");
        }

        if (connection.IsSecure && !Lmtp)
        {
            // RFC 8689: offered only over TLS.
            lines.Add("REQUIRETLS");
        }

        for (var i = 0; i < lines.Count; i++)
        {
            Reply((i == lines.Count - 1 ? "250 " : "250-") + lines[i]);
        }
    }

    private async ValueTask<bool> StartTlsAsync(string argument)
    {
        if (listener.Tls != TlsMode.StartTls || connection.IsSecure || Lmtp && listener.Certificate is null)
        {
            Error(connection.IsSecure ? "503 5.5.1 TLS is already active" : "502 5.5.1 STARTTLS is not available");
            return true;
        }

        if (argument.Length > 0)
        {
            Error("501 5.5.4 Syntax: STARTTLS");
            return true;
        }

        Reply("220 2.0.0 Ready to start TLS");
        try
        {
            await connection.UpgradeToTlsAsync(listener.Certificate!, options.CommandTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            listener.Logger.LogDebug(ex, "TLS handshake with {Remote} failed", connection.RemoteEndPoint);
            return false;
        }

        // RFC 3207: the client starts over, and nothing it said before counts.
        ResetTransaction();
        helo = null;
        extended = false;
        principal = null;
        return true;
    }

    private async ValueTask AuthenticateAsync(string argument)
    {
        if (Lmtp || helo is null || !extended)
        {
            Error(Lmtp ? "502 5.5.1 AUTH is not available" : "503 5.5.1 Send EHLO first");
            return;
        }

        if (principal is not null)
        {
            Error("503 5.5.1 Already authenticated");
            return;
        }

        if (mailFrom is not null)
        {
            Error("503 5.5.1 AUTH is not allowed during a mail transaction");
            return;
        }

        if (!AuthAllowed)
        {
            Error("538 5.7.11 Encryption required for the requested authentication mechanism");
            return;
        }

        var client = connection.RemoteEndPoint.Address;
        if (await listener.Throttle.IsBlockedAsync(client, CancellationToken.None).ConfigureAwait(false))
        {
            await Task.Delay(options.AuthFailureDelay).ConfigureAwait(false);
            Reply("454 4.7.0 Too many authentication failures; try again later");
            return;
        }

        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2)
        {
            Error("501 5.5.4 Syntax: AUTH mechanism [initial-response]");
            return;
        }

        string? username;
        string? password = null;
        AuthenticationResult? known = null;
        switch (parts[0].ToUpperInvariant())
        {
            case ScramSha256Exchange.MechanismName when listener.Directory is IScramSecretStore scram:
                ScramOutcome outcome;
                try
                {
                    outcome = await ScramSha256Login.RunAsync(scram, parts.Length == 2 ? parts[1] : null, ChallengeAsync, CancellationToken.None).ConfigureAwait(false);
                }
                catch (DirectoryUnavailableException)
                {
                    Reply("454 4.7.0 Temporary authentication failure");
                    return;
                }

                if (outcome.Problem is { } problem)
                {
                    Error($"501 5.5.2 Malformed SCRAM-SHA-256 message: {problem}");
                    return;
                }

                if (outcome.DirectoryUnavailable)
                {
                    Reply("454 4.7.0 Temporary authentication failure");
                    return;
                }

                if (outcome.Result is null)
                {
                    return;
                }

                (username, known) = (outcome.Username!, outcome.Result);
                break;
            case "PLAIN":
                var response = parts.Length == 2 ? parts[1] : await ChallengeAsync(string.Empty).ConfigureAwait(false);
                if (response is null)
                {
                    return;
                }

                var decoded = SaslText.DecodeUtf8(response == "=" ? string.Empty : response);
                var fields = decoded?.Split('\0');
                if (fields is not { Length: 3 } || fields[1].Length == 0 || (fields[0].Length > 0 && fields[0] != fields[1]))
                {
                    Error("501 5.5.2 Malformed PLAIN response");
                    return;
                }

                (username, password) = (fields[1], fields[2]);
                break;
            case "LOGIN":
                var user = parts.Length == 2 ? parts[1] : await ChallengeAsync("VXNlcm5hbWU6").ConfigureAwait(false);
                if (user is null)
                {
                    return;
                }

                username = SaslText.DecodeUtf8(user);
                if (username is null)
                {
                    Error("501 5.5.2 Malformed LOGIN response");
                    return;
                }

                var secret = await ChallengeAsync("UGFzc3dvcmQ6").ConfigureAwait(false);
                if (secret is null)
                {
                    return;
                }

                password = SaslText.DecodeUtf8(secret);
                if (password is null)
                {
                    Error("501 5.5.2 Malformed LOGIN response");
                    return;
                }

                break;
            default:
                Error("504 5.5.4 Unrecognized authentication mechanism");
                return;
        }

        AuthenticationResult result;
        try
        {
            result = await listener.Throttle.IsAccountBlockedAsync(username, CancellationToken.None).ConfigureAwait(false)
                ? AuthenticationResult.Invalid
                : known ?? await listener.Directory.AuthenticateAsync(new PasswordCredentials(username, password!), CancellationToken.None).ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException)
        {
            Reply("454 4.7.0 Temporary authentication failure");
            return;
        }

        if (result is { Status: AuthenticationStatus.Success, Principal: { } who })
        {
            principal = who;
            Reply("235 2.7.0 Authentication successful");
            return;
        }

        var delay = await listener.Throttle.FailedAsync(client, username, CancellationToken.None).ConfigureAwait(false);
        await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await Task.Delay(delay).ConfigureAwait(false);
        Error("535 5.7.8 Authentication credentials invalid");
    }

    /// <summary>Sends a 334 challenge and reads the answer; null (with the reply written) when the client cancels or errs.</summary>
    private async ValueTask<string?> ChallengeAsync(string challenge)
    {
        Reply("334 " + challenge);
        var line = await connection.ReadLineAsync(options.MaxLineLength).ConfigureAwait(false);
        if (line.Status != LineReadStatus.Line)
        {
            if (line.Status == LineReadStatus.TooLong)
            {
                Error("500 5.5.2 Line too long");
            }

            return null;
        }

        var text = Encoding.ASCII.GetString(line.Line).Trim();
        if (text == "*")
        {
            Error("501 5.0.0 Authentication cancelled");
            return null;
        }

        return text;
    }

    private async ValueTask MailAsync(string argument)
    {
        if (helo is null)
        {
            Error($"503 5.5.1 Send {(Lmtp ? "LHLO" : "EHLO")} first");
            return;
        }

        if (mailFrom is not null)
        {
            Error("503 5.5.1 Nested MAIL command");
            return;
        }

        if (listener.Mode == SmtpMode.Submission && principal is null)
        {
            Error("530 5.7.0 Authentication required");
            return;
        }

        var path = SmtpPath.Parse(argument, "FROM:");
        if (path is null)
        {
            Error("501 5.5.4 Syntax: MAIL FROM:<address> [parameters]");
            return;
        }

        if (!extended && path.Parameters.Count > 0)
        {
            Error("555 5.5.4 Parameters need EHLO");
            return;
        }

        string? bodyType = null;
        var utf8 = false;
        string? retValue = null;
        string? envid = null;
        var needTls = false;
        foreach (var (key, value) in path.Parameters)
        {
            switch (key.ToUpperInvariant())
            {
                case "SIZE" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size):
                    if (size > listener.MaxMessageSize)
                    {
                        Error("552 5.3.4 Message size exceeds the fixed limit");
                        return;
                    }

                    break;
                case "BODY" when value?.ToUpperInvariant() is "7BIT" or "8BITMIME" or "BINARYMIME":
                    bodyType = value.ToUpperInvariant();
                    break;
                case "SMTPUTF8" when value is null:
                    utf8 = true;
                    break;
                case "RET" when value?.ToUpperInvariant() is "FULL" or "HDRS":
                    retValue = value.ToUpperInvariant();
                    break;
                case "ENVID" when value is { Length: > 0 and <= 100 }:
                    envid = value;
                    break;
                case "AUTH" when value is not null:
                    break;
                case "REQUIRETLS" when value is null && connection.IsSecure && !Lmtp:
                    needTls = true;
                    break;
                default:
                    Error($"555 5.5.4 Unsupported or malformed parameter {key}");
                    return;
            }
        }

        if (!utf8 && !Ascii.IsValid(path.Address))
        {
            Error("553 5.6.7 A non-ASCII address needs SMTPUTF8");
            return;
        }

        if (principal is not null && listener.Mode == SmtpMode.Submission
            && !principal.Addresses.Any(a => string.Equals(a, path.Address, StringComparison.OrdinalIgnoreCase)))
        {
            Error($"553 5.7.1 Sender address rejected: not owned by {principal.Name}");
            return;
        }

        mailFrom = path.Address;
        body = bodyType;
        smtpUtf8 = utf8;
        ret = retValue;
        envelopeId = envid;
        requireTls = needTls;
        Reply("250 2.1.0 Sender OK");
    }

    private async ValueTask RecipientAsync(string argument)
    {
        if (mailFrom is null)
        {
            Error("503 5.5.1 Need MAIL before RCPT");
            return;
        }

        if (chunks is not null)
        {
            Error("503 5.5.1 RCPT after BDAT");
            return;
        }

        var path = SmtpPath.Parse(argument, "TO:");
        if (path is null || path.Address.Length == 0)
        {
            Error("501 5.5.4 Syntax: RCPT TO:<address> [parameters]");
            return;
        }

        string? notify = null;
        string? orcpt = null;
        foreach (var (key, value) in path.Parameters)
        {
            switch (key.ToUpperInvariant())
            {
                case "NOTIFY" when value is { Length: > 0 } && IsNotify(value):
                    notify = value.ToUpperInvariant();
                    break;
                case "ORCPT" when value is { Length: > 0 and <= 500 } && value.Contains(';', StringComparison.Ordinal):
                    orcpt = value;
                    break;
                default:
                    Error($"555 5.5.4 Unsupported or malformed parameter {key}");
                    return;
            }
        }

        if (!smtpUtf8 && !Ascii.IsValid(path.Address))
        {
            Error("553 5.6.7 A non-ASCII address needs SMTPUTF8");
            return;
        }

        if (recipients.Count >= options.MaxRecipients)
        {
            Reply("452 4.5.3 Too many recipients");
            return;
        }

        var address = path.Address;
        bool local;
        try
        {
            local = await listener.IsLocalDomainAsync(SmtpPath.DomainOf(address), CancellationToken.None).ConfigureAwait(false);
            if (local)
            {
                var refusal = await CheckLocalRecipientAsync(address).ConfigureAwait(false);
                if (refusal is not null)
                {
                    Error(refusal);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is DirectoryUnavailableException or StoreUnavailableException)
        {
            Reply("451 4.3.0 Recipient lookup failed temporarily; try again later");
            return;
        }

        if (!local)
        {
            if (Lmtp)
            {
                Error("550 5.1.1 Recipient address rejected: not a local domain");
                return;
            }

            if (principal is null)
            {
                Error("554 5.7.1 Relay access denied");
                return;
            }
        }

        recipients.Add(new QueuedRecipient(address, local, notify, orcpt));
        Reply("250 2.1.5 Recipient OK");
    }

    private static bool IsNotify(string value)
    {
        var items = value.ToUpperInvariant().Split(',');
        return items.All(i => i is "NEVER" or "SUCCESS" or "FAILURE" or "DELAY") && (items.Length == 1 || !items.Contains("NEVER"));
    }

    /// <summary>Null when the local address can receive mail now; else the refusal.</summary>
    private async ValueTask<string?> CheckLocalRecipientAsync(string address)
    {
        var resolution = await listener.Directory.ResolveRecipientAsync(address, CancellationToken.None).ConfigureAwait(false);
        switch (resolution)
        {
            case { Kind: RecipientKind.NotFound } or { Principal: null }:
                return "550 5.1.1 Recipient address rejected: user unknown";
            case { Principal.Disabled: true }:
                return "550 5.2.1 Recipient address rejected: mailbox disabled";
            case { Kind: RecipientKind.Individual, Principal: { } person }:
                if (await IsOverQuotaAsync(person).ConfigureAwait(false))
                {
                    return options.OverQuotaPermanent ? "552 5.2.2 Mailbox full" : "452 4.2.2 Mailbox full";
                }

                return null;
            default:
                return null;
        }
    }

    private async ValueTask<bool> IsOverQuotaAsync(Principal person)
    {
        try
        {
            var accountId = await listener.Engine.GetAccountIdAsync(person.Name).ConfigureAwait(false);
            var usage = await listener.Engine.OpenAccount(accountId).GetQuotaAsync().ConfigureAwait(false);
            var bytes = person.QuotaBytes ?? usage.Limits.StorageBytes;
            var messages = person.QuotaMessages ?? usage.Limits.Messages;
            return (bytes is { } b && usage.StorageBytes >= b) || (messages is { } m && usage.Messages >= m);
        }
        catch (MailException)
        {
            // No account yet, or none to check: delivery decides.
            return false;
        }
    }

    private async ValueTask<bool> DataAsync(string argument)
    {
        if (argument.Length > 0)
        {
            Error("501 5.5.4 Syntax: DATA");
            return true;
        }

        if (mailFrom is null)
        {
            Error("503 5.5.1 Need MAIL before DATA");
            return true;
        }

        if (chunks is not null || body == "BINARYMIME")
        {
            Error("503 5.5.1 DATA is not allowed with BDAT or BODY=BINARYMIME");
            return true;
        }

        if (recipients.Count == 0)
        {
            Error("554 5.5.1 No valid recipients");
            return true;
        }

        Reply("354 End data with <CR><LF>.<CR><LF>");
        var receivedAt = DateTimeOffset.UtcNow;
        var header = ReceivedHeader(receivedAt);
        using var spool = new MessageSpool(listener.MaxMessageSize + header.Length);
        spool.Write(header);
        receivedHeaderLength = header.Length;
        var decoder = new DataDecoder();
        connection.ReadTimeout = options.DataTimeout;
        try
        {
            while (true)
            {
                var result = await connection.ReadAsync().ConfigureAwait(false);
                var ended = decoder.Decode(result.Buffer, spool.Write, out var consumed);
                connection.Input.AdvanceTo(consumed);
                if (ended)
                {
                    break;
                }

                if (result.IsCompleted)
                {
                    // The client vanished mid-DATA: nothing is delivered.
                    ResetTransaction();
                    return false;
                }
            }
        }
        finally
        {
            connection.ReadTimeout = options.CommandTimeout;
        }

        if (spool.Oversized)
        {
            ResetTransaction();
            Error("552 5.3.4 Message size exceeds the fixed limit");
            return true;
        }

        if (decoder.SawBareLineEnding)
        {
            ResetTransaction();
            Error("550 5.6.11 Message contains a bare CR or LF; lines must end with CRLF (RFC 5321 section 2.3.8)");
            return true;
        }

        await DeliverAsync(spool, receivedAt).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> ChunkAsync(string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
        {
            // The chunk's length is unknown, so its bytes cannot be skipped: the session cannot go on.
            Reply("501 5.5.4 Syntax: BDAT size [LAST]; closing the connection");
            return false;
        }

        var last = parts.Length == 2;
        var refusal = mailFrom is null ? "503 5.5.1 Need MAIL before BDAT"
            : recipients.Count == 0 ? "554 5.5.1 No valid recipients"
            : null;
        var receivedAt = DateTimeOffset.UtcNow;
        if (refusal is null && chunks is null)
        {
            var header = ReceivedHeader(receivedAt);
            chunks = new MessageSpool(listener.MaxMessageSize + header.Length);
            chunks.Write(header);
            receivedHeaderLength = header.Length;
        }

        connection.ReadTimeout = options.DataTimeout;
        try
        {
            var remaining = size;
            while (remaining > 0)
            {
                var result = await connection.ReadAsync().ConfigureAwait(false);
                var take = result.Buffer.Slice(0, Math.Min(remaining, result.Buffer.Length));
                if (refusal is null)
                {
                    foreach (var segment in take)
                    {
                        chunks!.Write(segment.Span);
                    }
                }

                remaining -= take.Length;
                connection.Input.AdvanceTo(take.End);
                if (remaining > 0 && result.IsCompleted)
                {
                    ResetTransaction();
                    return false;
                }
            }
        }
        finally
        {
            connection.ReadTimeout = options.CommandTimeout;
        }

        if (refusal is not null)
        {
            Error(refusal);
            return true;
        }

        if (chunks!.Oversized)
        {
            ResetTransaction();
            Error("552 5.3.4 Message size exceeds the fixed limit");
            return true;
        }

        if (!last)
        {
            Reply($"250 2.0.0 {size} octets received");
            return true;
        }

        await DeliverAsync(chunks, receivedAt).ConfigureAwait(false);
        return true;
    }

    private async ValueTask DeliverAsync(MessageSpool spool, DateTimeOffset receivedAt)
    {
        var local = recipients.Where(r => r.Local).ToList();
        var remote = recipients.Where(r => !r.Local).ToList();
        var outcomes = new Dictionary<string, RecipientStatus>(StringComparer.OrdinalIgnoreCase);
        string? queueId = null;
        var queueFailed = false;
        var (authentication, verdict) = await AuthenticateMessageAsync(spool).ConfigureAwait(false);
        if (verdict == "reject")
        {
            listener.Logger.LogInformation("Message from <{Sender}> refused: DMARC failed for {Domain}", mailFrom, authentication?.FromDomain);
            Error($"550 5.7.1 Message rejected: it fails the DMARC policy of {authentication?.FromDomain}");
            ResetTransaction();
            return;
        }

        try
        {
            if (local.Count > 0)
            {
                Stream message = new NonClosingStream(spool.Rewind());
                if (authentication is not null)
                {
                    // Our Received header, then the results, then the message as it came.
                    var head = new byte[receivedHeaderLength];
                    message.ReadExactly(head);
                    message = new PrefixedStream([.. head, .. Encoding.ASCII.GetBytes(authentication.Header)], message);
                }

                var results = await listener.Delivery.DeliverAsync(message, [.. local.Select(r => r.Address).Distinct(StringComparer.OrdinalIgnoreCase)], mailFrom ?? string.Empty, receivedAt, CancellationToken.None).ConfigureAwait(false);
                foreach (var result in results)
                {
                    outcomes[result.Address] = result.Status;
                }

                if (verdict == "quarantine")
                {
                    await QuarantineAsync(results).ConfigureAwait(false);
                }
            }

            if (remote.Count > 0)
            {
                try
                {
                    queueId = await listener.Queue.EnqueueAsync(
                        new QueuedEnvelope
                        {
                            From = mailFrom!,
                            Recipients = [.. remote.Select(r => new global::Mail.Host.Mail.QueuedRecipient { Address = r.Address, Notify = r.Notify, OriginalRecipient = r.OriginalRecipient })],
                            Ret = ret,
                            EnvelopeId = envelopeId,
                            Body = body,
                            SmtpUtf8 = smtpUtf8,
                            RequireTls = requireTls,
                            ReceivedAt = receivedAt,
                            AuthenticatedAs = principal?.Name,
                            Client = connection.RemoteEndPoint.Address.ToString(),
                            Helo = helo ?? string.Empty,
                        },
                        new NonClosingStream(spool.Rewind()),
                        CancellationToken.None).ConfigureAwait(false);
                }
                catch (StoreUnavailableException ex)
                {
                    listener.Logger.LogWarning(ex, "Could not queue a message for {Count} remote recipients", remote.Count);
                    queueFailed = true;
                }
            }
        }
        catch (Exception ex) when (ex is StoreUnavailableException or DirectoryUnavailableException or MailException)
        {
            listener.Logger.LogWarning(ex, "Delivery failed for a message from {Sender}", mailFrom);
            foreach (var recipient in local)
            {
                outcomes[recipient.Address] = RecipientStatus.TemporaryFailure;
            }
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            // A fault of this server, not of the message or the client: the sender keeps the message and tries again,
            // rather than losing the connection without a reply.
            listener.Logger.LogError(ex, "Delivery of a message from {Sender} failed unexpectedly", mailFrom);
            foreach (var recipient in local)
            {
                outcomes[recipient.Address] = RecipientStatus.TemporaryFailure;
            }
        }

        var id = $"{sessionId}.{++transactions}";
        if (Lmtp)
        {
            foreach (var recipient in recipients)
            {
                Reply(LmtpReply(recipient.Address, outcomes.GetValueOrDefault(recipient.Address, RecipientStatus.TemporaryFailure)));
            }
        }
        else
        {
            var statuses = local.Select(r => outcomes.GetValueOrDefault(r.Address, RecipientStatus.TemporaryFailure)).ToList();
            if (statuses.All(s => s == RecipientStatus.Delivered) && !queueFailed)
            {
                Reply($"250 2.0.0 OK: {(queueId is null ? "delivered" : "queued as " + queueId)} id {id}");
            }
            else if (statuses.All(s => s is RecipientStatus.Unknown or RecipientStatus.Disabled) && remote.Count == 0)
            {
                Error("550 5.1.1 No recipient could receive the message");
            }
            else if (statuses.All(s => s is RecipientStatus.OverQuota or RecipientStatus.Unknown or RecipientStatus.Disabled) && remote.Count == 0 && options.OverQuotaPermanent)
            {
                Error("552 5.2.2 Mailbox full");
            }
            else
            {
                // Some copies may be stored already; the sender will retry the whole message (a duplicate beats a loss).
                Reply("451 4.3.0 The message could not be stored for every recipient; try again later");
            }
        }

        listener.Logger.LogInformation(
            "Message {Id} from <{Sender}> to {Count} recipients ({Size} bytes): {Outcomes}",
            id,
            mailFrom,
            recipients.Count,
            spool.Length,
            string.Join(", ", outcomes.Select(o => $"{o.Key}={o.Value}").Concat(queueId is null ? [] : [$"queued {queueId}"])));
        ResetTransaction();
    }

    /// <summary>
    /// The SPF, DKIM, DMARC and ARC checks of mail from another server, and what the DMARC outcome means here:
    /// <c>accept</c>, <c>quarantine</c> (into Junk) or <c>reject</c>, from the listener's <c>DmarcFailure</c> setting.
    /// </summary>
    private async ValueTask<(AuthenticationOutcome? Outcome, string Verdict)> AuthenticateMessageAsync(MessageSpool spool)
    {
        if (listener.Authenticator is not { } authenticator || principal is not null)
        {
            return (null, "accept");
        }

        AuthenticationOutcome outcome;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            outcome = await authenticator.CheckAsync(connection.RemoteEndPoint.Address, helo ?? string.Empty, mailFrom ?? string.Empty, new NonClosingStream(spool.Rewind()), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            listener.Logger.LogWarning(ex, "Authentication checks of a message from <{Sender}> failed; it is delivered without results", mailFrom);
            return (null, "accept");
        }

        if (outcome.Dmarc != "fail")
        {
            return (outcome, "accept");
        }

        var verdict = options.DmarcFailure switch
        {
            "policy" => outcome.Policy switch { "reject" => "reject", "quarantine" => "quarantine", _ => "accept" },
            var fixedChoice => fixedChoice,
        };
        return (outcome, verdict);
    }

    /// <summary>Moves the copies just delivered into each account's Junk mailbox (made when missing).</summary>
    private async ValueTask QuarantineAsync(IReadOnlyList<RecipientDelivery> results)
    {
        foreach (var copy in results.SelectMany(r => r.Accounts).Where(a => a.Status == DeliveryStatus.Delivered))
        {
            try
            {
                var account = listener.Engine.OpenAccount(copy.AccountId);
                var mailboxes = await account.GetMailboxesAsync().ConfigureAwait(false);
                var junk = mailboxes.FirstOrDefault(m => m.Role == MailboxRole.Junk)
                    ?? await account.CreateMailboxAsync("Junk", MailboxRole.Junk).ConfigureAwait(false);
                if (junk.Id != copy.MailboxId)
                {
                    await account.MoveAsync(copy.MailboxId, [copy.Uid], junk.Id).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is MailException or StoreUnavailableException)
            {
                listener.Logger.LogWarning(ex, "Could not move a message that failed DMARC into Junk (account {Account}); it stays in the Inbox", copy.AccountId);
            }
        }
    }

    private string LmtpReply(string address, RecipientStatus status) => status switch
    {
        RecipientStatus.Delivered => $"250 2.1.5 <{address}> delivered",
        RecipientStatus.Unknown => $"550 5.1.1 <{address}> user unknown",
        RecipientStatus.Disabled => $"550 5.2.1 <{address}> mailbox disabled",
        RecipientStatus.OverQuota => options.OverQuotaPermanent ? $"552 5.2.2 <{address}> mailbox full" : $"452 4.2.2 <{address}> mailbox full",
        _ => $"451 4.3.0 <{address}> temporary failure, try again later",
    };

    private byte[] ReceivedHeader(DateTimeOffset receivedAt)
    {
        var with = new StringBuilder(Lmtp ? "LMTP" : extended ? "ESMTP" : "SMTP");
        if (smtpUtf8)
        {
            with.Insert(0, "UTF8");
        }

        if (connection.IsSecure)
        {
            with.Append('S');
        }

        if (principal is not null)
        {
            with.Append('A');
        }

        var builder = new StringBuilder();
        builder.Append("Received: from ").Append(Clean(helo ?? "unknown")).Append(" ([").Append(connection.RemoteEndPoint.Address).Append("])\r\n");
        builder.Append("\tby ").Append(listener.Hostname).Append(" (Mail Host) with ").Append(with);
        if (connection.IsSecure)
        {
            builder.Append("\r\n\t(").Append(connection.TlsProtocol).Append(' ').Append(connection.TlsCipherSuite).Append(')');
        }

        builder.Append("\r\n\tid ").Append(sessionId).Append('.').Append(transactions + 1);
        if (recipients.Count == 1)
        {
            builder.Append("\r\n\tfor <").Append(Clean(recipients[0].Address)).Append('>');
        }

        builder.Append("; ").Append(receivedAt.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static string Clean(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 255));
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, 255)))
        {
            builder.Append(c is >= '!' and <= '~' && c is not ('(' or ')' or ';') ? c : '?');
        }

        return builder.ToString();
    }

    private void ResetTransaction()
    {
        mailFrom = null;
        body = null;
        smtpUtf8 = false;
        ret = null;
        envelopeId = null;
        requireTls = false;
        recipients.Clear();
        chunks?.Dispose();
        chunks = null;
    }
}

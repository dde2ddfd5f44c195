using System.Security.Authentication;
using System.Text;
using Mail.Host.Directory;
using Mail.Host.Mail;
using Mail.Host.Protocols;
using Mail.Host.Protocols.Sdk;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Imap;

/// <summary>One IMAP session (RFC 9051, RFC 3501 and extensions).</summary>
internal sealed partial class ImapSession
{
    private readonly ImapListener listener;
    private readonly LineConnection connection;
    private readonly ImapListenerOptions options;
    private readonly ImapCommandReader reader;
    private ImapState state = ImapState.NotAuthenticated;
    private Principal? principal;
    private IMailAccount? account;
    private IAsyncDisposable? subscription;
    private int changeSignal;
    private TaskCompletionSource? changeWaiter;
    private int errors;
    private long buffered;
    private bool rev2;
    private bool utf8Accept;
    private bool condStore;
    private bool qresync;
    private string tag = "*";

    public ImapSession(ImapListener listener, LineConnection connection)
    {
        this.listener = listener;
        this.connection = connection;
        options = listener.Options;
        reader = new ImapCommandReader(connection, options, listener.AppendLimit);
    }

    private IMailEngine Engine => listener.Engine;

    private IMailAccount Account => account ?? throw new InvalidOperationException("Not authenticated.");

    private bool AuthAllowed => connection.IsSecure || options.AllowPlaintextAuth;

    private bool Utf8Names => utf8Accept || rev2;

    public async Task RunAsync(CancellationToken stopping)
    {
        connection.ReadTimeout = options.CommandTimeout;
        try
        {
            if (listener.Tls == TlsMode.Implicit)
            {
                await connection.UpgradeToTlsAsync(listener.Certificate!, TimeSpan.FromSeconds(60), stopping).ConfigureAwait(false);
            }

            Send($"* OK [CAPABILITY {Capabilities()}] Mail Host IMAP ready");
            while (state != ImapState.Logout)
            {
                (ImapReadStatus Status, ImapCommand? Command, string Tag) read;
                try
                {
                    read = notifyGroups is null
                        ? await reader.ReadAsync(stopping).ConfigureAwait(false)
                        : await ReadWithNotifyAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    Send("* BYE [UNAVAILABLE] Server shutting down");
                    await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                tag = read.Tag;
                switch (read.Status)
                {
                    case ImapReadStatus.Closed:
                        return;
                    case ImapReadStatus.LineTooLong:
                        Error($"{tag} BAD [TOOBIG] Command line too long");
                        break;
                    case ImapReadStatus.LiteralTooBig:
                        Error($"{tag} NO [TOOBIG] Literal too large; the limit is {listener.AppendLimit} bytes for APPEND and {options.MaxLiteralSize} otherwise");
                        break;
                    case ImapReadStatus.NonSyncLiteralTooBig:
                        Error($"{tag} BAD [TOOBIG] Literal too large; it was read and discarded");
                        break;
                    default:
                        await ExecuteAsync(read.Command!, stopping).ConfigureAwait(false);
                        break;
                }

                if (errors >= options.MaxErrors)
                {
                    Send("* BYE Too many errors, closing the connection");
                    await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    return;
                }
            }

            await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            try
            {
                Send("* BYE Autologout; idle for too long");
                await connection.FlushAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException or OperationCanceledException)
            {
                // The client is not reading either.
            }
        }
        finally
        {
            if (subscription is not null)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void Send(string line)
    {
        connection.WriteLine(line);
        buffered += line.Length + 2;
    }

    private void SendBytes(ReadOnlySpan<byte> bytes)
    {
        connection.Write(bytes);
        buffered += bytes.Length;
    }

    /// <summary>Sends what is buffered once it passes the output limit: a client that does not read stalls here until the timeout.</summary>
    private async ValueTask FlushIfFullAsync()
    {
        if (buffered >= options.MaxOutputBuffer)
        {
            await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            buffered = 0;
        }
    }

    private async ValueTask FlushAsync()
    {
        await connection.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        buffered = 0;
    }

    private void Error(string line)
    {
        errors++;
        Send(line);
    }

    private async ValueTask ExecuteAsync(ImapCommand command, CancellationToken stopping)
    {
        var parser = new ImapParser(command);
        string name;
        try
        {
            var tagText = parser.ReadAtom();
            if (!ImapParser.IsValidTag(tagText))
            {
                Error("* BAD Invalid tag");
                return;
            }

            tag = tagText;
            parser.ExpectSpace();
            name = parser.ReadAtom().ToUpperInvariant();
        }
        catch (ImapParseException)
        {
            Error($"{(tag == "*" ? "*" : tag)} BAD Missing command");
            return;
        }

        var uid = false;
        try
        {
            if (name == "UID")
            {
                parser.ExpectSpace();
                name = parser.ReadAtom().ToUpperInvariant();
                uid = true;
                if (name is not ("FETCH" or "STORE" or "COPY" or "MOVE" or "SEARCH" or "SORT" or "THREAD" or "EXPUNGE" or "REPLACE"))
                {
                    throw new ImapParseException($"UID {name} is not a command");
                }
            }

            if (!IsAllowed(name))
            {
                Error($"{tag} BAD {name} is not allowed in the {StateName()} state");
                return;
            }

            await DispatchAsync(name, uid, parser, stopping).ConfigureAwait(false);
        }
        catch (ImapParseException ex)
        {
            Error($"{tag} BAD {ex.Message}");
        }
        catch (ImapNoException ex)
        {
            Send($"{tag} NO {(ex.Code is null ? string.Empty : "[" + ex.Code + "] ")}{ex.Message}");
        }
        catch (MailException ex)
        {
            Send($"{tag} NO {MailError(ex)}");
        }
        catch (StoreUnavailableException ex)
        {
            listener.Logger.LogWarning(ex, "IMAP {Command} failed: the store is unavailable", name);
            Send($"{tag} NO [UNAVAILABLE] The mail store is unavailable; try again later");
        }
        catch (DirectoryUnavailableException)
        {
            Send($"{tag} NO [UNAVAILABLE] The directory is unavailable; try again later");
        }
    }

    private static string MailError(MailException ex) => ex.Code switch
    {
        MailErrorCode.MailboxNotFound => "[NONEXISTENT] No such mailbox",
        MailErrorCode.MailboxAlreadyExists => "[ALREADYEXISTS] Mailbox already exists",
        MailErrorCode.InvalidMailboxName => "[CANNOT] Invalid mailbox name",
        MailErrorCode.MailboxHasChildren => "[HASCHILDREN] Mailbox has children",
        MailErrorCode.MailboxNotEmpty => "[CANNOT] Mailbox is not empty",
        MailErrorCode.InboxRestricted => "[CANNOT] Not allowed on INBOX",
        MailErrorCode.RoleInUse => "[USEATTR] Another mailbox has that special use",
        MailErrorCode.InvalidKeyword => "[CANNOT] Invalid keyword",
        MailErrorCode.UnsupportedFilter => "[CANNOT] This search is not supported here",
        MailErrorCode.Conflict => "[INUSE] A concurrent change got there first; try again",
        MailErrorCode.NotPermitted => "[NOPERM] " + ex.Message,
        MailErrorCode.InvalidArgument => "[CANNOT] " + ex.Message,
        MailErrorCode.TooManyEntries => "[METADATA TOOMANY] Too many entries",
        _ => "[SERVERBUG] " + ex.Message,
    };

    private string StateName() => state switch
    {
        ImapState.NotAuthenticated => "not authenticated",
        ImapState.Authenticated => "authenticated",
        ImapState.Selected => "selected",
        _ => "logout",
    };

    private bool IsAllowed(string name) => name switch
    {
        "CAPABILITY" or "NOOP" or "LOGOUT" or "ID" => true,
        "STARTTLS" or "LOGIN" or "AUTHENTICATE" => state == ImapState.NotAuthenticated,
        "ENABLE" or "SELECT" or "EXAMINE" or "CREATE" or "DELETE" or "RENAME" or "SUBSCRIBE" or "UNSUBSCRIBE" or "LIST" or "LSUB"
            or "STATUS" or "APPEND" or "NAMESPACE" or "IDLE" or "UNAUTHENTICATE" or "GETQUOTA" or "GETQUOTAROOT" or "SETQUOTA"
            or "COMPRESS" or "NOTIFY" or "SETACL" or "DELETEACL" or "GETACL" or "LISTRIGHTS" or "MYRIGHTS" or "GETMETADATA" or "SETMETADATA"
            => state is ImapState.Authenticated or ImapState.Selected,
        "CHECK" or "CLOSE" or "UNSELECT" or "EXPUNGE" or "SEARCH" or "FETCH" or "STORE" or "COPY" or "MOVE" or "SORT" or "THREAD"
            or "REPLACE"
            => state == ImapState.Selected,
        _ => throw new ImapParseException($"Unknown command {(name.Length > 32 ? name[..32] : name)}"),
    };

    private async ValueTask DispatchAsync(string name, bool uid, ImapParser parser, CancellationToken stopping)
    {
        switch (name)
        {
            case "CAPABILITY":
                parser.ExpectEnd();
                Send($"* CAPABILITY {Capabilities()}");
                Ok("CAPABILITY completed");
                break;
            case "NOOP":
            case "CHECK":
                parser.ExpectEnd();
                await SyncAsync(allowExpunge: true).ConfigureAwait(false);
                Ok($"{name} completed");
                break;
            case "LOGOUT":
                parser.ExpectEnd();
                Send("* BYE Logging out");
                Ok("LOGOUT completed");
                state = ImapState.Logout;
                break;
            case "ID":
                Id(parser);
                break;
            case "STARTTLS":
                await StartTlsAsync(parser).ConfigureAwait(false);
                break;
            case "LOGIN":
                await LoginAsync(parser).ConfigureAwait(false);
                break;
            case "AUTHENTICATE":
                await AuthenticateAsync(parser, stopping).ConfigureAwait(false);
                break;
            case "ENABLE":
                Enable(parser);
                break;
            case "UNAUTHENTICATE":
                parser.ExpectEnd();
                await UnauthenticateAsync().ConfigureAwait(false);
                break;
            case "COMPRESS":
                await CompressAsync(parser).ConfigureAwait(false);
                break;
            case "NOTIFY":
                await NotifyCommandAsync(parser).ConfigureAwait(false);
                break;
            case "NAMESPACE":
                parser.ExpectEnd();
                Send(NamespaceResponse());
                Ok("NAMESPACE completed");
                break;
            case "SETACL":
            case "DELETEACL":
            case "GETACL":
            case "LISTRIGHTS":
            case "MYRIGHTS":
                await AclAsync(name, parser).ConfigureAwait(false);
                break;
            case "GETMETADATA":
                await GetMetadataAsync(parser).ConfigureAwait(false);
                break;
            case "SETMETADATA":
                await SetMetadataAsync(parser).ConfigureAwait(false);
                break;
            case "SELECT":
            case "EXAMINE":
                await SelectAsync(parser, readOnly: name == "EXAMINE").ConfigureAwait(false);
                break;
            case "CREATE":
                await CreateAsync(parser).ConfigureAwait(false);
                break;
            case "DELETE":
                await DeleteAsync(parser).ConfigureAwait(false);
                break;
            case "RENAME":
                await RenameAsync(parser).ConfigureAwait(false);
                break;
            case "SUBSCRIBE":
            case "UNSUBSCRIBE":
                await SubscribeAsync(parser, name == "SUBSCRIBE").ConfigureAwait(false);
                break;
            case "LIST":
            case "LSUB":
                await ListAsync(parser, lsub: name == "LSUB").ConfigureAwait(false);
                break;
            case "STATUS":
                await StatusAsync(parser).ConfigureAwait(false);
                break;
            case "APPEND":
                await AppendAsync(parser).ConfigureAwait(false);
                break;
            case "IDLE":
                parser.ExpectEnd();
                await IdleAsync(stopping).ConfigureAwait(false);
                break;
            case "GETQUOTA":
            case "GETQUOTAROOT":
            case "SETQUOTA":
                await QuotaAsync(name, parser).ConfigureAwait(false);
                break;
            case "CLOSE":
            case "UNSELECT":
                parser.ExpectEnd();
                await CloseAsync(expunge: name == "CLOSE").ConfigureAwait(false);
                break;
            case "EXPUNGE":
                await ExpungeAsync(parser, uid).ConfigureAwait(false);
                break;
            case "SEARCH":
                await SearchAsync(parser, uid, stopping).ConfigureAwait(false);
                break;
            case "SORT":
                await SortAsync(parser, uid, stopping).ConfigureAwait(false);
                break;
            case "THREAD":
                await ThreadAsync(parser, uid, stopping).ConfigureAwait(false);
                break;
            case "FETCH":
                await FetchAsync(parser, uid).ConfigureAwait(false);
                break;
            case "STORE":
                await StoreAsync(parser, uid).ConfigureAwait(false);
                break;
            case "REPLACE":
                await ReplaceAsync(parser, uid).ConfigureAwait(false);
                break;
            case "COPY":
            case "MOVE":
                await CopyAsync(parser, uid, move: name == "MOVE").ConfigureAwait(false);
                break;
            default:
                throw new ImapParseException($"Unknown command {name}");
        }
    }

    private void Ok(string text)
    {
        // MaxErrors counts errors in a row: a command that succeeds starts the count again.
        errors = 0;
        Send($"{tag} OK {text}");
    }

    private string Capabilities()
    {
        var builder = new StringBuilder("IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE");
        if (state == ImapState.NotAuthenticated)
        {
            if (!connection.IsSecure && listener.Tls == TlsMode.StartTls && listener.Certificate is not null)
            {
                builder.Append(" STARTTLS");
            }

            builder.Append(!AuthAllowed ? " LOGINDISABLED" : listener.Directory is IScramSecretStore ? " AUTH=SCRAM-SHA-256 AUTH=PLAIN AUTH=LOGIN" : " AUTH=PLAIN AUTH=LOGIN");
            return builder.ToString();
        }

        builder.Append(" NAMESPACE UNSELECT CHILDREN UIDPLUS MOVE BINARY MULTIAPPEND CONDSTORE QRESYNC ESEARCH SEARCHRES WITHIN")
            .Append(" SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES LIST-EXTENDED LIST-STATUS SPECIAL-USE")
            .Append(" CREATE-SPECIAL-USE STATUS=SIZE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE UTF8=ACCEPT OBJECTID PREVIEW")
            .Append(" UNAUTHENTICATE REPLACE COMPRESS=DEFLATE NOTIFY ACL RIGHTS=texk METADATA METADATA-SERVER APPENDLIMIT=").Append(ImapText.Number(Math.Min(listener.AppendLimit, uint.MaxValue)));
        return builder.ToString();
    }

    private void Id(ImapParser parser)
    {
        parser.ExpectSpace();
        if (parser.IsNil())
        {
            parser.ReadAtom();
        }
        else
        {
            var count = 0;
            parser.ReadList(() =>
            {
                parser.ReadAString();
                parser.ExpectSpace();
                parser.ReadNString();
                if (++count > 30)
                {
                    throw new ImapParseException("Too many ID fields");
                }
            });
        }

        parser.ExpectEnd();
        Send("* ID (\"name\" \"Mail Host\" \"vendor\" \"Mail Host\")");
        Ok("ID completed");
    }

    private void Enable(ImapParser parser)
    {
        var enabled = new List<string>();
        parser.ExpectSpace();
        do
        {
            var capability = parser.ReadAtom().ToUpperInvariant();
            switch (capability)
            {
                case "IMAP4REV2" when !rev2:
                    rev2 = true;
                    enabled.Add("IMAP4rev2");
                    break;
                case "UTF8=ACCEPT" when !utf8Accept:
                    utf8Accept = true;
                    enabled.Add("UTF8=ACCEPT");
                    break;
                case "CONDSTORE" when !condStore:
                    condStore = true;
                    enabled.Add("CONDSTORE");
                    break;
                case "QRESYNC" when !qresync:
                    qresync = true;
                    if (!condStore)
                    {
                        condStore = true;
                        enabled.Add("CONDSTORE");
                    }

                    enabled.Add("QRESYNC");
                    break;
            }
        }
        while (parser.TrySpace());

        parser.ExpectEnd();
        Send("* ENABLED" + string.Concat(enabled.Select(e => " " + e)));
        Ok("ENABLE completed");
    }

    private async ValueTask CompressAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        var mechanism = parser.ReadAtom();
        parser.ExpectEnd();
        if (!string.Equals(mechanism, "DEFLATE", StringComparison.OrdinalIgnoreCase))
        {
            Error($"{tag} BAD Unknown compression mechanism; this server offers DEFLATE");
            return;
        }

        if (connection.IsCompressed)
        {
            // RFC 4978 §3: a second COMPRESS is refused with COMPRESSIONACTIVE.
            Send($"{tag} NO [COMPRESSIONACTIVE] DEFLATE is already active");
            return;
        }

        Ok("DEFLATE active");
        await FlushAsync().ConfigureAwait(false);
        await connection.StartDeflateAsync().ConfigureAwait(false);
    }

    private async ValueTask StartTlsAsync(ImapParser parser)
    {
        parser.ExpectEnd();
        if (connection.IsSecure || listener.Tls != TlsMode.StartTls || listener.Certificate is null)
        {
            Error($"{tag} BAD STARTTLS is not available here");
            return;
        }

        Ok("Begin TLS negotiation now");
        try
        {
            await connection.UpgradeToTlsAsync(listener.Certificate, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }
        catch (AuthenticationException ex)
        {
            throw new IOException("TLS negotiation failed: " + ex.Message, ex);
        }
    }

    private async ValueTask LoginAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        var user = parser.ReadAString();
        parser.ExpectSpace();
        var password = parser.ReadAString();
        parser.ExpectEnd();
        if (!AuthAllowed)
        {
            Send($"{tag} NO [PRIVACYREQUIRED] LOGIN is disabled until TLS is established");
            return;
        }

        await CompleteLoginAsync(user, password).ConfigureAwait(false);
    }

    private async ValueTask AuthenticateAsync(ImapParser parser, CancellationToken stopping)
    {
        parser.ExpectSpace();
        var mechanism = parser.ReadAtom().ToUpperInvariant();
        string? initial = null;
        if (parser.TrySpace())
        {
            initial = parser.ReadAtom();
        }

        parser.ExpectEnd();
        if (!AuthAllowed)
        {
            Send($"{tag} NO [PRIVACYREQUIRED] Authentication is disabled until TLS is established");
            return;
        }

        string? user;
        string? password;
        switch (mechanism)
        {
            case ScramSha256Exchange.MechanismName when listener.Directory is IScramSecretStore scram:
                await ScramLoginAsync(scram, initial, stopping).ConfigureAwait(false);
                return;
            case "PLAIN":
                var response = initial ?? await ChallengeAsync(string.Empty, stopping).ConfigureAwait(false);
                if (response is null)
                {
                    return;
                }

                var fields = SaslText.DecodeUtf8(response == "=" ? string.Empty : response)?.Split('\0');
                if (fields is not { Length: 3 } || fields[1].Length == 0 || (fields[0].Length > 0 && fields[0] != fields[1]))
                {
                    Error($"{tag} BAD Malformed PLAIN response");
                    return;
                }

                (user, password) = (fields[1], fields[2]);
                break;
            case "LOGIN":
                var first = initial ?? await ChallengeAsync("VXNlcm5hbWU6", stopping).ConfigureAwait(false);
                if (first is null)
                {
                    return;
                }

                user = SaslText.DecodeUtf8(first);
                if (user is null)
                {
                    Error($"{tag} BAD Malformed LOGIN response");
                    return;
                }

                var second = await ChallengeAsync("UGFzc3dvcmQ6", stopping).ConfigureAwait(false);
                if (second is null)
                {
                    return;
                }

                password = SaslText.DecodeUtf8(second);
                if (password is null)
                {
                    Error($"{tag} BAD Malformed LOGIN response");
                    return;
                }

                break;
            default:
                Send($"{tag} NO [CANNOT] Unsupported authentication mechanism");
                return;
        }

        await CompleteLoginAsync(user, password).ConfigureAwait(false);
    }

    private async ValueTask ScramLoginAsync(IScramSecretStore scram, string? initial, CancellationToken stopping)
    {
        ScramOutcome outcome;
        try
        {
            outcome = await ScramSha256Login.RunAsync(scram, initial, challenge => ChallengeAsync(challenge, stopping), CancellationToken.None).ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException)
        {
            outcome = ScramOutcome.Unavailable(string.Empty);
        }

        if (outcome.Problem is { } problem)
        {
            Error($"{tag} BAD Malformed SCRAM-SHA-256 message: {problem}");
        }
        else if (outcome.DirectoryUnavailable)
        {
            Send($"{tag} NO [UNAVAILABLE] Temporary authentication failure");
        }
        else if (outcome is { Username: { } user, Result: { } result })
        {
            await CompleteLoginAsync(user, () => ValueTask.FromResult(result)).ConfigureAwait(false);
        }
    }

    private async ValueTask<string?> ChallengeAsync(string challenge, CancellationToken stopping)
    {
        Send("+ " + challenge);
        await FlushAsync().ConfigureAwait(false);
        var line = await reader.ReadRawLineAsync(stopping).ConfigureAwait(false);
        if (line is null)
        {
            throw new IOException("The client closed the connection during authentication.");
        }

        var text = Encoding.ASCII.GetString(line).Trim();
        if (text == "*")
        {
            Error($"{tag} BAD Authentication cancelled");
            return null;
        }

        return text;
    }

    private ValueTask CompleteLoginAsync(string user, string password)
        => CompleteLoginAsync(user, () => listener.Directory.AuthenticateAsync(new PasswordCredentials(user, password), CancellationToken.None));

    private async ValueTask CompleteLoginAsync(string user, Func<ValueTask<AuthenticationResult>> authenticate)
    {
        var client = connection.RemoteEndPoint.Address;
        if (await listener.Throttle.IsBlockedAsync(client, CancellationToken.None).ConfigureAwait(false)
            || await listener.Throttle.IsAccountBlockedAsync(user, CancellationToken.None).ConfigureAwait(false))
        {
            await Task.Delay(options.AuthFailureDelay).ConfigureAwait(false);
            Send($"{tag} NO [UNAVAILABLE] Too many authentication failures; try again later");
            return;
        }

        AuthenticationResult result;
        try
        {
            result = await authenticate().ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException)
        {
            Send($"{tag} NO [UNAVAILABLE] Temporary authentication failure");
            return;
        }

        if (result is { Status: AuthenticationStatus.Success, Principal: { } who })
        {
            var accountId = await Engine.GetAccountIdAsync(who.Name).ConfigureAwait(false);
            principal = who;
            var mail = new ImapMailAccount(Engine, accountId, OnChangeAsync);
            account = mail;
            if (who.QuotaBytes is not null || who.QuotaMessages is not null)
            {
                var usage = await account.GetQuotaAsync().ConfigureAwait(false);
                var wanted = new MailQuota(who.QuotaBytes, who.QuotaMessages);
                if (usage.Limits != wanted)
                {
                    await account.SetQuotaAsync(wanted).ConfigureAwait(false);
                }
            }

            subscription = mail.Adopt(await Engine.SubscribeAsync(accountId, OnChangeAsync).ConfigureAwait(false));
            state = ImapState.Authenticated;
            Ok($"[CAPABILITY {Capabilities()}] Logged in");
            return;
        }

        var delay = await listener.Throttle.FailedAsync(client, user, CancellationToken.None).ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
        await Task.Delay(delay).ConfigureAwait(false);
        Send($"{tag} NO [AUTHENTICATIONFAILED] Authentication failed");
        errors++;
    }

    private async ValueTask UnauthenticateAsync()
    {
        if (subscription is not null)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            subscription = null;
        }

        selected = null;
        account = null;
        principal = null;
        notifyGroups = null;
        notifySnapshot = null;
        rev2 = utf8Accept = condStore = qresync = false;
        state = ImapState.NotAuthenticated;
        Ok("UNAUTHENTICATE completed");
    }

    private ValueTask OnChangeAsync(MailNotification notification, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref changeSignal, 1);
        Interlocked.Exchange(ref notifySignal, 1);
        NoteMetadataChange(notification);
        Volatile.Read(ref changeWaiter)?.TrySetResult();
        return ValueTask.CompletedTask;
    }
}

using System.Collections.Concurrent;
using System.DirectoryServices.Protocols;
using System.Net;

namespace Mail.Host.Plugins.Ldap;

/// <summary>
/// Open LDAP connections kept for reuse, at most <see cref="LdapDirectorySettings.PoolSize"/> in use at once. A
/// connection that failed is closed, never reused; work that failed on a reused connection because the server
/// dropped it (a restart, an idle timeout) is tried once more on a new one.
/// </summary>
internal sealed class LdapConnectionPool : IDisposable
{
    private readonly ConcurrentBag<LdapConnection> idle = [];
    private readonly SemaphoreSlim slots;
    private readonly LdapDirectorySettings settings;
    private readonly bool asService;
    private int disposed;

    /// <summary>Creates an empty pool.</summary>
    /// <param name="settings">The servers and the service account.</param>
    /// <param name="asService">Whether new connections bind as the service account (searches) or stay unbound (password binds).</param>
    public LdapConnectionPool(LdapDirectorySettings settings, bool asService)
    {
        this.settings = settings;
        this.asService = asService;
        slots = new SemaphoreSlim(settings.PoolSize, settings.PoolSize);
    }

    /// <summary>Runs work on a pooled connection.</summary>
    /// <typeparam name="T">The work's result.</typeparam>
    /// <param name="work">The work; it must not keep the connection.</param>
    /// <param name="cancellationToken">Cancels waiting for a connection.</param>
    /// <returns>The work's result.</returns>
    public async ValueTask<T> RunAsync<T>(Func<LdapConnection, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var reused = idle.TryTake(out var connection);
                connection ??= await ConnectAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var result = await work(connection).ConfigureAwait(false);
                    Return(connection);
                    return result;
                }
                catch (LdapException ex) when (reused && attempt == 0 && IsConnectionLost(ex.ErrorCode))
                {
                    connection.Dispose();
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }
            }
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Closes every idle connection; those in use close when they come back.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        while (idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }

    /// <summary>Whether an LDAP client error means the connection is gone (server down, connect error, timeout).</summary>
    /// <param name="errorCode">The client library's error code.</param>
    /// <returns>Whether it is.</returns>
    public static bool IsConnectionLost(int errorCode) => errorCode is 81 or 82 or 85 or 91 or -1 or 52;

    private void Return(LdapConnection connection)
    {
        if (Volatile.Read(ref disposed) != 0)
        {
            connection.Dispose();
            return;
        }

        idle.Add(connection);
    }

    private async ValueTask<LdapConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        LdapException? last = null;
        foreach (var url in settings.Urls)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var secure = url.Scheme == "ldaps";
            var port = url.IsDefaultPort || url.Port <= 0 ? (secure ? 636 : 389) : url.Port;
            var connection = new LdapConnection(new LdapDirectoryIdentifier(url.Host, port, fullyQualifiedDnsHostName: false, connectionless: false))
            {
                AuthType = AuthType.Basic,
                Timeout = settings.Timeout,
                AutoBind = false,
            };
            try
            {
                connection.SessionOptions.ProtocolVersion = 3;
                connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
                if (settings.TrustedCertificatesDirectory is { } trusted && !OperatingSystem.IsWindows())
                {
                    connection.SessionOptions.TrustedCertificatesDirectory = trusted;
                }

                if (secure)
                {
                    connection.SessionOptions.SecureSocketLayer = true;
                }

                if (settings.TrustedCertificatesDirectory is not null && !settings.StartTls && !OperatingSystem.IsWindows())
                {
                    connection.SessionOptions.StartNewTlsSessionContext();
                }

                // The library's bind and StartTLS calls block; they run on the thread pool so no caller's thread waits.
                await Task.Run(
                    () =>
                    {
                        if (settings.StartTls)
                        {
                            // On Linux the library opens the connection only with the first request, and StartTLS
                            // needs it open: a read of the root DSE (anonymous, no credentials) opens it first.
                            if (!OperatingSystem.IsWindows())
                            {
                                try
                                {
                                    connection.SendRequest(new SearchRequest(string.Empty, "(objectClass=*)", SearchScope.Base, "supportedExtension"));
                                }
                                catch (DirectoryOperationException)
                                {
                                    // A server that keeps its root DSE from anonymous readers is still connected.
                                }

                                if (settings.TrustedCertificatesDirectory is not null)
                                {
                                    connection.SessionOptions.StartNewTlsSessionContext();
                                }
                            }

                            StartTls(connection);
                        }

                        if (asService && settings.BindDn is { } dn)
                        {
                            connection.Bind(new NetworkCredential(dn, settings.BindPassword));
                        }
                        else
                        {
                            connection.AuthType = AuthType.Anonymous;
                            connection.Bind();
                            connection.AuthType = AuthType.Basic;
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch (LdapException ex)
            {
                connection.Dispose();
                last = ex;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        throw last ?? new LdapException(91, "No LDAP server is configured.");
    }

    private static void StartTls(LdapConnection connection)
    {
        // RFC 4511 §4.14.1: StartTLS is refused with operationsError while another operation is outstanding.
        // slapd sends the root DSE search's result before it retires the operation, so a StartTLS right behind it
        // is sometimes refused that way; it succeeds once the server has caught up.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                connection.SessionOptions.StartTransportLayerSecurity(null);
                return;
            }
            catch (TlsOperationException ex) when (attempt < 5 && ex.Response?.ResultCode == ResultCode.OperationsError)
            {
                Thread.Sleep(10 * attempt);
            }
        }
    }
}

using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mail.Host.Protocols.Sdk;

/// <summary>
/// One client connection of a line protocol: input read through a <see cref="PipeReader"/> (lines with a length
/// limit, or raw bytes), output buffered until the session has answered everything the client pipelined, reads bound
/// by a timeout, and an upgrade to TLS that discards whatever the client sent before the handshake.
/// </summary>
public sealed class LineConnection : IAsyncDisposable
{
    // Zero-byte reads first: an idle connection (IMAP IDLE, an SMTP client thinking) then holds no pooled buffer
    // while it waits, only once data has arrived.
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true, useZeroByteReads: true);
    private readonly Socket? socket;
    private readonly ArrayBufferWriter<byte> output = new(1024);
    private readonly CancellationTokenSource aborted = new();
    private Stream stream;
    private SslStream? tls;
    private PipeReader reader;
    private bool discardingLongLine;
    private bool disposed;

    /// <summary>Wraps an accepted socket.</summary>
    /// <param name="socket">The accepted socket; the connection owns it.</param>
    public LineConnection(Socket socket)
        : this(new NetworkStream(socket ?? throw new ArgumentNullException(nameof(socket)), ownsSocket: true), (IPEndPoint?)socket.RemoteEndPoint, (IPEndPoint?)socket.LocalEndPoint)
    {
        this.socket = socket;
    }

    /// <summary>Wraps a stream (tests, or a transport other than a socket).</summary>
    /// <param name="stream">The duplex stream; the connection owns it.</param>
    /// <param name="remote">The peer's address, if known.</param>
    /// <param name="local">The local address, if known.</param>
    public LineConnection(Stream stream, IPEndPoint? remote = null, IPEndPoint? local = null)
    {
        this.stream = stream ?? throw new ArgumentNullException(nameof(stream));
        reader = PipeReader.Create(stream, ReaderOptions);
        RemoteEndPoint = remote ?? new IPEndPoint(IPAddress.Loopback, 0);
        LocalEndPoint = local ?? new IPEndPoint(IPAddress.Loopback, 0);
    }

    /// <summary>The peer's address.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The local address the peer connected to.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>How long a read may wait for data before it throws <see cref="TimeoutException"/>.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>True once TLS is established.</summary>
    public bool IsSecure => tls is not null;

    /// <summary>True once DEFLATE compression is active (<see cref="StartDeflateAsync"/>).</summary>
    public bool IsCompressed { get; private set; }

    /// <summary>The negotiated TLS protocol, once TLS is established.</summary>
    public SslProtocols? TlsProtocol => tls?.SslProtocol;

    /// <summary>The negotiated cipher suite, once TLS is established.</summary>
    public TlsCipherSuite? TlsCipherSuite => tls?.NegotiatedCipherSuite;

    /// <summary>Fires when the connection is aborted; every read and write observes it.</summary>
    public CancellationToken Aborted => aborted.Token;

    /// <summary>The input, for protocols that read raw bytes (message data, literals). Use <see cref="ReadAsync"/> to read with the timeout.</summary>
    public PipeReader Input => reader;

    /// <summary>Reads the next line, ending at LF (an optional CR before it is removed).</summary>
    /// <param name="maxLength">The longest line accepted, in bytes, without its line ending.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The line, <see cref="LineReadStatus.TooLong"/> once an over-long line has been read to its end, or <see cref="LineReadStatus.Closed"/>.</returns>
    /// <exception cref="TimeoutException">No complete line arrived within <see cref="ReadTimeout"/>.</exception>
    public async ValueTask<LineReadResult> ReadLineAsync(int maxLength, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        while (true)
        {
            var result = await ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var lineFeed = buffer.PositionOf((byte)'\n');
            if (discardingLongLine)
            {
                if (lineFeed is { } end)
                {
                    reader.AdvanceTo(buffer.GetPosition(1, end));
                    discardingLongLine = false;
                    return new LineReadResult(LineReadStatus.TooLong, [], false, false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    return new LineReadResult(LineReadStatus.Closed, [], false, false);
                }

                continue;
            }

            if (lineFeed is { } position)
            {
                var line = buffer.Slice(0, position);
                var next = buffer.GetPosition(1, position);
                var crLf = line.Length > 0 && EndsWithCr(line);
                var length = line.Length - (crLf ? 1 : 0);
                if (length > maxLength)
                {
                    reader.AdvanceTo(next);
                    return new LineReadResult(LineReadStatus.TooLong, [], crLf, false);
                }

                var bytes = line.Slice(0, length).ToArray();
                reader.AdvanceTo(next);
                return new LineReadResult(LineReadStatus.Line, bytes, crLf, Array.IndexOf(bytes, (byte)'\r') >= 0);
            }

            if (buffer.Length > maxLength + 1)
            {
                discardingLongLine = true;
                reader.AdvanceTo(buffer.End);
                continue;
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return new LineReadResult(LineReadStatus.Closed, [], false, false);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Reads whatever input is available, first sending the buffered output when nothing is (so replies to pipelined
    /// commands go out together), bound by <see cref="ReadTimeout"/>. Call <c>Input.AdvanceTo</c> afterwards.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The buffered input.</returns>
    /// <exception cref="TimeoutException">No data arrived within <see cref="ReadTimeout"/>.</exception>
    public async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (reader.TryRead(out var ready))
        {
            return ready;
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, aborted.Token);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            return await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            throw new TimeoutException($"No data from {RemoteEndPoint} within {ReadTimeout}.");
        }
    }

    /// <summary>Buffers bytes to send; they go out on <see cref="FlushAsync"/> or before the next read that has to wait.</summary>
    /// <param name="bytes">The bytes.</param>
    public void Write(ReadOnlySpan<byte> bytes) => output.Write(bytes);

    /// <summary>Buffers a line (UTF-8) followed by CRLF.</summary>
    /// <param name="line">The line without its ending.</param>
    public void WriteLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
        var count = Encoding.UTF8.GetBytes(line, span);
        span[count] = (byte)'\r';
        span[count + 1] = (byte)'\n';
        output.Advance(count + 2);
    }

    /// <summary>Sends the buffered output.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once the bytes are handed to the transport.</returns>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        if (output.WrittenCount == 0)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, aborted.Token);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            await stream.WriteAsync(output.WrittenMemory, timeout.Token).ConfigureAwait(false);
            await stream.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            throw new TimeoutException($"{RemoteEndPoint} did not take our reply within {ReadTimeout}.");
        }
        finally
        {
            output.ResetWrittenCount();
        }
    }

    /// <summary>
    /// Starts TLS as the server. Any input the client sent before the handshake and that is already buffered is
    /// discarded, so commands pipelined after STARTTLS cannot be injected into the protected session (CVE-2011-0411).
    /// Buffered output is sent first.
    /// </summary>
    /// <param name="certificate">The server certificate with its private key.</param>
    /// <param name="timeout">How long the handshake may take.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>A task that completes once TLS is established.</returns>
    /// <exception cref="AuthenticationException">The handshake failed.</exception>
    public async Task UpgradeToTlsAsync(X509Certificate2 certificate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (IsSecure || IsCompressed)
        {
            throw new InvalidOperationException(IsSecure ? "TLS is already established on this connection." : "TLS cannot start under compression.");
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);

        // Whatever the pipe holds arrived before the handshake: it is dropped with the old reader.
        await reader.CompleteAsync().ConfigureAwait(false);
        discardingLongLine = false;
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, aborted.Token);
        limit.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateRequired = false,
                    EnabledSslProtocols = SslProtocols.None,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                },
                limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"The TLS handshake with {RemoteEndPoint} took longer than {timeout}.");
        }

        stream = ssl;
        tls = ssl;
        reader = PipeReader.Create(ssl, ReaderOptions);
    }

    /// <summary>
    /// Compresses everything from here on in both directions with DEFLATE (RFC 1951 without framing, as RFC 4978
    /// asks for IMAP), over TLS when TLS is active. Buffered output (the reply that agreed to compress) is sent
    /// uncompressed first; input the client sent after its command and already buffered is taken as compressed.
    /// </summary>
    /// <param name="cancellationToken">Cancels sending the buffered output.</param>
    /// <returns>A task that completes once compression is active.</returns>
    public async Task StartDeflateAsync(CancellationToken cancellationToken = default)
    {
        if (IsCompressed)
        {
            throw new InvalidOperationException("Compression is already active on this connection.");
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var early = Array.Empty<byte>();
        if (reader.TryRead(out var buffered))
        {
            early = buffered.Buffer.ToArray();
            reader.AdvanceTo(buffered.Buffer.End);
        }

        await reader.CompleteAsync().ConfigureAwait(false);
        discardingLongLine = false;
        stream = new DeflateDuplexStream(stream, early);
        reader = PipeReader.Create(stream, ReaderOptions);
        IsCompressed = true;
    }

    /// <summary>Aborts the connection: pending reads and writes end and the transport closes.</summary>
    public void Abort()
    {
        try
        {
            aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed.
        }
    }

    /// <summary>Closes the connection; buffered output that was not flushed is dropped.</summary>
    /// <returns>A task that completes once closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        try
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The transport is gone already.
        }

        try
        {
            socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer went first.
        }

        try
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or AuthenticationException)
        {
            // Closing a broken TLS session.
        }

        socket?.Dispose();
        aborted.Dispose();
    }

    private static bool EndsWithCr(ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }
}

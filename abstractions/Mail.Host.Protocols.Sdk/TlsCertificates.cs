using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mail.Host.Protocols;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Protocols.Sdk;

/// <summary>
/// The server certificate of a TLS listener: PEM certificate and key files the operator names, or else a self-signed
/// certificate made on first start and kept in the data folder, so that it stays the same across restarts.
/// </summary>
public static class TlsCertificates
{
    private static readonly Lock Gate = new();

    /// <summary>Loads a certificate (with its chain, if the file holds one) and its private key from PEM files.</summary>
    /// <param name="certificatePath">The PEM certificate file.</param>
    /// <param name="keyPath">The PEM private key file; the certificate file when null (both in one file).</param>
    /// <returns>The certificate with its private key.</returns>
    public static X509Certificate2 LoadPem(string certificatePath, string? keyPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        return X509Certificate2.CreateFromPemFile(certificatePath, keyPath ?? certificatePath);
    }

    /// <summary>
    /// Returns the self-signed certificate kept at <paramref name="path"/>, making it (ECDSA P-256, ten years, the
    /// host name as subject and DNS name) when the file does not exist yet. The file is readable by its owner only.
    /// </summary>
    /// <param name="path">The PEM file holding the certificate and its key, e.g. <c>data/tls/selfsigned.pem</c>.</param>
    /// <param name="hostname">The name the certificate is made for.</param>
    /// <returns>The certificate with its private key.</returns>
    public static X509Certificate2 LoadOrCreateSelfSigned(string path, string hostname)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        lock (Gate)
        {
            if (File.Exists(path))
            {
                return LoadPem(path);
            }

            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(hostname);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            var now = DateTimeOffset.UtcNow;
            using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
            var pem = certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n";

            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temporary = path + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(temporary, options))
            using (var writer = new StreamWriter(file))
            {
                writer.Write(pem);
                writer.Flush();
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            return LoadPem(path);
        }
    }
    /// <summary>
    /// The certificate of a listener: the PEM files its settings name (relative to the manifest's folder), or else
    /// the self-signed certificate kept in the host's data folder. Null for a listener without TLS.
    /// </summary>
    /// <param name="context">The listener.</param>
    /// <param name="certificatePath">The <c>CertificatePath</c> setting, or null.</param>
    /// <param name="keyPath">The <c>KeyPath</c> setting, or null (the key is in the certificate file).</param>
    /// <param name="hostname">The server's name, for a self-signed certificate.</param>
    /// <returns>The certificate with its private key, or null.</returns>
    public static X509Certificate2? ForListener(ListenerContext context, string? certificatePath, string? keyPath, string hostname)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Tls == TlsMode.None)
        {
            return null;
        }

        if (certificatePath is not null)
        {
            return LoadPem(context.ResolvePath(certificatePath), keyPath is null ? null : context.ResolvePath(keyPath));
        }

        var configuration = context.Services.GetRequiredService<IConfiguration>();
        var data = context.ResolvePath(configuration["Server:DataDirectory"] is { Length: > 0 } folder ? folder : "data");
        return LoadOrCreateSelfSigned(Path.Combine(data, "tls", "selfsigned.pem"), hostname);
    }

    /// <summary>The server's host name: <c>Server:Hostname</c> from the manifest, else the machine's name.</summary>
    /// <param name="services">The host's services.</param>
    /// <returns>The name, lower case when it is the machine's.</returns>
    public static string Hostname(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<IConfiguration>()["Server:Hostname"] is { Length: > 0 } name ? name : Environment.MachineName.ToLowerInvariant();
    }
}

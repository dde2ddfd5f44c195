using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

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
}

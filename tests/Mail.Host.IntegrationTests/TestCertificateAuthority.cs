using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mail.Host.IntegrationTests;

/// <summary>A certificate authority of a test's own, and server certificates it issues (PEM files in a folder).</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 root;

    public TestCertificateAuthority(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Mail Host Test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CertificatePath = Path.Combine(folder, "test-ca.pem");
        File.WriteAllText(CertificatePath, root.ExportCertificatePem() + "\n");
    }

    public string Folder { get; }

    /// <summary>The CA certificate (PEM): what a client must trust.</summary>
    public string CertificatePath { get; }

    /// <summary>Issues a server certificate for the names; returns it with its key, and writes NAME.pem and NAME.key.</summary>
    public (X509Certificate2 Certificate, string CertificatePath, string KeyPath) Issue(string fileName, params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + names[0], key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(root, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(12));
        var withKey = issued.CopyWithPrivateKey(key);
        var certificatePath = Path.Combine(Folder, fileName + ".pem");
        var keyPath = Path.Combine(Folder, fileName + ".key");
        File.WriteAllText(certificatePath, withKey.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");

        // SslStream on Linux wants a certificate whose key is exportable through PKCS#12.
        var usable = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        withKey.Dispose();
        return (usable, certificatePath, keyPath);
    }

    public void Dispose()
    {
        root.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

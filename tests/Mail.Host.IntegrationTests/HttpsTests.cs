using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// The host's HTTP server on https:// with the manifest's certificate (<c>Http:CertificatePath</c>,
/// <c>Http:KeyPath</c>), as a production deployment serves JMAP and the admin API; and the start refused, naming the
/// fix, when an https:// URL has no certificate.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class HttpsTests(DeploymentFixture fixture) : IDisposable
{
    private const string AdminPassword = "Https-Admin-2026";
    private readonly TestDeployment deployment = new(fixture);

    public void Dispose() => deployment.Dispose();

    [Fact]
    public async Task Https_urls_present_the_manifest_certificate_and_serve_jmap_with_basic_authentication()
    {
        using var certificate = WriteCertificate(Path.Combine(deployment.Folder, "tls"));
        var httpsPort = FreePort();
        var server = await deployment.StartServerAsync(new Dictionary<string, string?>
        {
            ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword,
            ["MAILHOST__Http__Urls__1"] = $"https://127.0.0.1:{httpsPort}",
            ["MAILHOST__Http__CertificatePath"] = "tls/http.pem",
            ["MAILHOST__Http__KeyPath"] = "tls/http.key",
        });
        var mail = new MailClient(server.Http, AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");

        X509Certificate2? presented = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                presented = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.RawData);
                return cert is not null && cert.GetCertHashString() == certificate.GetCertHashString();
            },
        };
        using var https = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{httpsPort}") };
        https.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:Pass-alice-2026!")));

        using var session = await https.GetAsync("/jmap/session");
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        Assert.Equal(certificate.Thumbprint, presented?.Thumbprint);
        var body = JsonNode.Parse(await session.Content.ReadAsStringAsync())!;
        Assert.Equal("alice", body["username"]!.GetValue<string>());
        Assert.Equal($"https://127.0.0.1:{httpsPort}/jmap/api/", body["apiUrl"]!.GetValue<string>());

        using var echo = await https.PostAsync("/jmap/api/", new StringContent(
            """{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"over":"tls"},"c1"]]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        var response = JsonNode.Parse(await echo.Content.ReadAsStringAsync())!;
        Assert.Equal("tls", response["methodResponses"]![0]![1]!["over"]!.GetValue<string>());
        presented?.Dispose();
    }

    [Fact]
    public async Task An_https_url_without_a_certificate_stops_the_start_naming_the_settings_to_set()
    {
        var result = await deployment.RunWithEnvironmentAsync(new Dictionary<string, string> { ["MAILHOST__Http__Urls__1"] = "https://127.0.0.1:8443" }, "serve");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Http:Urls has 'https://127.0.0.1:8443', but no certificate is set for it", result.Error);
        Assert.Contains("Http:CertificatePath", result.Error);
    }

    [Fact]
    public async Task A_certificate_file_that_cannot_be_read_stops_the_start_naming_the_file()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(deployment.Folder, "tls"));
        File.WriteAllText(Path.Combine(deployment.Folder, "tls", "http.pem"), "not a certificate");
        var result = await deployment.RunWithEnvironmentAsync(
            new Dictionary<string, string> { ["MAILHOST__Http__Urls__1"] = "https://127.0.0.1:8443", ["MAILHOST__Http__CertificatePath"] = "tls/http.pem" },
            "serve");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"Http:CertificatePath '{Path.Combine(deployment.Folder, "tls", "http.pem")}'", result.Error);
        Assert.Contains("cannot be loaded", result.Error);
    }

    /// <summary>A self-signed certificate for 127.0.0.1, written as <c>http.pem</c> and its key as <c>http.key</c>.</summary>
    private static X509Certificate2 WriteCertificate(string folder)
    {
        System.IO.Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllText(Path.Combine(folder, "http.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "http.key"), key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

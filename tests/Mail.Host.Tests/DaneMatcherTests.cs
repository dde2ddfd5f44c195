using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mail.Host.Outbound;
using Xunit;

namespace Mail.Host.Tests;

/// <summary>
/// TLSA matching for DANE SMTP (RFC 7672) on certificates made here: DANE-EE and DANE-TA usages, both selectors, the
/// three matching types, and the records SMTP cannot use.
/// </summary>
public sealed class DaneMatcherTests : IDisposable
{
    private static readonly string[] MxName = ["mx.example.test"];
    private readonly X509Certificate2 ca;
    private readonly X509Certificate2 leaf;
    private readonly DateTimeOffset now = DateTimeOffset.UtcNow;

    public DaneMatcherTests()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test TA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        ca = caRequest.CreateSelfSigned(now.AddDays(-2), now.AddDays(30));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mx.example.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("mx.example.test");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        leaf = request.Create(ca, now.AddDays(-1), now.AddDays(10), [1, 2, 3, 4]);
    }

    public void Dispose()
    {
        leaf.Dispose();
        ca.Dispose();
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(0, 2)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    public void Dane_ee_matches_the_server_certificate_by_each_selector_and_matching_type_whatever_its_name_or_dates(byte selector, byte matching)
    {
        var record = Record(3, selector, matching, leaf);
        Assert.Equal(DaneResult.Match, DaneMatcher.Verify([record], [leaf], MxName, now));
        Assert.Equal(DaneResult.Match, DaneMatcher.Verify([record], [leaf], ["other.example.test"], now.AddYears(5)));
        Assert.Equal(DaneResult.Mismatch, DaneMatcher.Verify([Record(3, selector, matching, ca)], [leaf, ca], MxName, now));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(0, 0)]
    public void Dane_ta_matches_a_presented_issuer_when_the_server_certificate_chains_to_it_for_the_mx_name_and_is_valid(byte selector, byte matching)
    {
        var record = Record(2, selector, matching, ca);
        Assert.Equal(DaneResult.Match, DaneMatcher.Verify([record], [leaf, ca], MxName, now));
        Assert.Equal(DaneResult.Mismatch, DaneMatcher.Verify([record], [leaf, ca], ["other.example.test"], now));
        Assert.Equal(DaneResult.Mismatch, DaneMatcher.Verify([record], [leaf, ca], MxName, now.AddDays(20)));
        Assert.Equal(DaneResult.Mismatch, DaneMatcher.Verify([record], [leaf], MxName, now));
    }

    [Fact]
    public void Pkix_usages_and_unknown_selectors_or_matching_types_are_unusable_and_one_usable_record_decides()
    {
        TlsaRecord[] unusable = [Record(0, 0, 1, ca), Record(1, 1, 1, leaf), new TlsaRecord(3, 2, 1, [1]), new TlsaRecord(3, 1, 9, [1])];
        Assert.Equal(DaneResult.NoUsableRecords, DaneMatcher.Verify(unusable, [leaf, ca], MxName, now));
        Assert.Equal(DaneResult.Match, DaneMatcher.Verify([.. unusable, new TlsaRecord(3, 1, 1, new byte[32]), Record(3, 1, 1, leaf)], [leaf], MxName, now));
        Assert.Equal(DaneResult.Mismatch, DaneMatcher.Verify([.. unusable, new TlsaRecord(3, 1, 1, new byte[32])], [leaf], MxName, now));
        Assert.Equal(DaneResult.Mismatch, DaneMatcher.Verify([Record(3, 1, 1, leaf)], [], MxName, now));
    }

    private static TlsaRecord Record(byte usage, byte selector, byte matching, X509Certificate2 certificate)
    {
        var selected = selector == 0 ? certificate.RawData : certificate.PublicKey.ExportSubjectPublicKeyInfo();
        var data = matching switch { 0 => selected, 1 => SHA256.HashData(selected), _ => SHA512.HashData(selected) };
        return new TlsaRecord(usage, selector, matching, data);
    }
}

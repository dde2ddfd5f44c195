using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mail.Host.Outbound;

/// <summary>
/// Matches a server's certificate chain against its TLSA records as RFC 7672 (DANE for SMTP) asks: DANE-EE(3) records
/// match the server's own certificate, with no name or validity check (section 3.1.1); DANE-TA(2) records match a
/// certificate of the chain the server presented, to which the server certificate must then chain, valid at the
/// time and issued for one of the reference names (the MX host name, section 3.2.2); PKIX usages (0, 1) are unusable
/// for SMTP. Selector 0 (certificate) or 1 (SubjectPublicKeyInfo), matching 0 (full), 1 (SHA-256) or 2 (SHA-512).
/// Not used by delivery yet: TLSA answers count only when DNSSEC-validated, and no validating resolver is used.
/// </summary>
internal static class DaneMatcher
{
    /// <summary>Checks the chain the server presented (its certificate first) against the records.</summary>
    /// <param name="records">The host's TLSA records (<c>_25._tcp.HOST</c>), from a DNSSEC-validated answer.</param>
    /// <param name="presented">The server's certificate, then the rest of the chain it sent.</param>
    /// <param name="referenceNames">The names the certificate may be for (with DANE-TA): the MX host name and the TLSA base name.</param>
    /// <param name="now">The time certificates must be valid at (with DANE-TA).</param>
    public static DaneResult Verify(IReadOnlyList<TlsaRecord> records, IReadOnlyList<X509Certificate2> presented, IReadOnlyList<string> referenceNames, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentNullException.ThrowIfNull(referenceNames);
        var usable = records.Where(r => r.Usage is 2 or 3 && r.Selector is 0 or 1 && r.MatchingType is 0 or 1 or 2).ToList();
        if (usable.Count == 0)
        {
            return DaneResult.NoUsableRecords;
        }

        if (presented.Count == 0)
        {
            return DaneResult.Mismatch;
        }

        var leaf = presented[0];
        if (usable.Any(r => r.Usage == 3 && Matches(r, leaf)))
        {
            return DaneResult.Match;
        }

        foreach (var record in usable.Where(r => r.Usage == 2))
        {
            foreach (var anchor in presented.Where(c => Matches(record, c)))
            {
                if (ChainsTo(leaf, anchor, presented, now) && referenceNames.Any(n => leaf.MatchesHostname(n.TrimEnd('.'), allowWildcards: true, allowCommonName: false)))
                {
                    return DaneResult.Match;
                }
            }
        }

        return DaneResult.Mismatch;
    }

    /// <summary>Whether one record matches one certificate, by its selector and matching type.</summary>
    public static bool Matches(TlsaRecord record, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(certificate);
        byte[] selected = record.Selector switch
        {
            0 => certificate.RawData,
            1 => certificate.PublicKey.ExportSubjectPublicKeyInfo(),
            _ => [],
        };
        byte[] association = record.MatchingType switch
        {
            0 => selected,
            1 => SHA256.HashData(selected),
            2 => SHA512.HashData(selected),
            _ => [],
        };
        return selected.Length > 0 && association.Length > 0 && CryptographicOperations.FixedTimeEquals(association, record.Data);
    }

    private static bool ChainsTo(X509Certificate2 leaf, X509Certificate2 anchor, IReadOnlyList<X509Certificate2> presented, DateTimeOffset now)
    {
        if (leaf.RawData.AsSpan().SequenceEqual(anchor.RawData))
        {
            // The trust anchor is the server certificate itself: only its validity period is left to check.
            return leaf.NotBefore.ToUniversalTime() <= now.UtcDateTime && now.UtcDateTime <= leaf.NotAfter.ToUniversalTime();
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        foreach (var certificate in presented.Skip(1))
        {
            chain.ChainPolicy.ExtraStore.Add(certificate);
        }

        return chain.Build(leaf);
    }
}

using System.Security.Cryptography;

namespace Mail.Host.Storage;

/// <summary>The address of a blob: the SHA-256 of its bytes. Its text form is 64 lower-case hex digits.</summary>
public readonly struct BlobHash : IEquatable<BlobHash>
{
    /// <summary>The size of the hash in bytes.</summary>
    public const int Size = 32;

    private readonly byte[]? bytes;

    private BlobHash(byte[] bytes) => this.bytes = bytes;

    /// <summary>The hash's bytes.</summary>
    public ReadOnlySpan<byte> Bytes => bytes ?? throw new InvalidOperationException("This BlobHash was never assigned.");

    /// <summary>Computes the hash of some bytes.</summary>
    /// <param name="content">The blob's bytes.</param>
    /// <returns>The hash.</returns>
    public static BlobHash Compute(ReadOnlySpan<byte> content) => new(SHA256.HashData(content));

    /// <summary>Computes the hash of a stream's remaining bytes.</summary>
    /// <param name="content">The stream.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The hash.</returns>
    public static async ValueTask<BlobHash> ComputeAsync(Stream content, CancellationToken cancellationToken = default)
        => new(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));

    /// <summary>Wraps 32 hash bytes.</summary>
    /// <param name="hash">The bytes; copied.</param>
    /// <returns>The hash.</returns>
    public static BlobHash FromBytes(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != Size)
        {
            throw new ArgumentException($"A blob hash is {Size} bytes.", nameof(hash));
        }

        return new(hash.ToArray());
    }

    /// <summary>Parses the text form.</summary>
    /// <param name="text">64 hex digits.</param>
    /// <param name="hash">The hash, when parsed.</param>
    /// <returns><see langword="true"/> when the text was a hash.</returns>
    public static bool TryParse(string? text, out BlobHash hash)
    {
        hash = default;
        if (text is null || text.Length != Size * 2)
        {
            return false;
        }

        try
        {
            hash = new(Convert.FromHexString(text));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Parses the text form.</summary>
    /// <param name="text">64 hex digits.</param>
    /// <returns>The hash.</returns>
    /// <exception cref="FormatException">The text is not a hash.</exception>
    public static BlobHash Parse(string text)
        => TryParse(text, out var hash) ? hash : throw new FormatException($"'{text}' is not a blob hash (64 hex digits).");

    /// <summary>The text form: 64 lower-case hex digits.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => bytes is null ? string.Empty : Convert.ToHexStringLower(bytes);

    /// <inheritdoc />
    public bool Equals(BlobHash other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is BlobHash other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(Bytes);

    /// <summary>Compares two hashes.</summary>
    /// <param name="left">One hash.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(BlobHash left, BlobHash right) => left.Equals(right);

    /// <summary>Compares two hashes.</summary>
    /// <param name="left">One hash.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(BlobHash left, BlobHash right) => !left.Equals(right);
}

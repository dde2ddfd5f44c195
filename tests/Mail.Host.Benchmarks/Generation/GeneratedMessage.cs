using Mail.Host.Storage;

namespace Mail.Host.Benchmarks.Generation;

/// <summary>One generated message: its raw bytes as a server would receive them, and its text as an indexer sees it.</summary>
/// <param name="Index">The message's position in the generated sequence.</param>
/// <param name="Raw">The message in wire format (CRLF line ends).</param>
/// <param name="Fields">The full-text fields (<see cref="FullTextFieldNames"/>) taken from the parsed message.</param>
internal sealed record GeneratedMessage(int Index, byte[] Raw, IReadOnlyList<FullTextField> Fields);

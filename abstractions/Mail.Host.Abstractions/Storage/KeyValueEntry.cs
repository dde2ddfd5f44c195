namespace Mail.Host.Storage;

/// <summary>One entry read by a range scan.</summary>
/// <param name="Key">The key, without any subspace prefix.</param>
/// <param name="Value">The value.</param>
public readonly record struct KeyValueEntry(byte[] Key, byte[] Value);

namespace Mail.Host.Storage;

/// <summary>One entry of a <see cref="WriteBatch"/>.</summary>
/// <param name="Kind">What the entry does.</param>
/// <param name="Subspace">The subspace name.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value written (<see cref="BatchOperationKind.Set"/>) or expected (<see cref="BatchOperationKind.Assert"/>, <see langword="null"/> for absent).</param>
/// <param name="Delta">The amount added (<see cref="BatchOperationKind.Increment"/>).</param>
public readonly record struct BatchOperation(BatchOperationKind Kind, string Subspace, byte[] Key, byte[]? Value, long Delta);

namespace Mail.Host.Storage;

/// <summary>The least every data store must accept; the engine never writes more than this in one key or value.</summary>
public static class DataStoreLimits
{
    /// <summary>Every data store accepts keys of at least this many bytes.</summary>
    public const int MinimumMaxKeySize = 1024;

    /// <summary>Every data store accepts values of at least this many bytes; larger data is chunked by the engine.</summary>
    public const int MinimumMaxValueSize = 100_000;

    /// <summary>
    /// Checks one batch operation against a store's limits, as every backend must before applying anything: a valid
    /// subspace name, a key and (for a set) a value within the limits.
    /// </summary>
    /// <param name="operation">The operation.</param>
    /// <param name="maxKeySize">The store's <see cref="IDataStore.MaxKeySize"/>.</param>
    /// <param name="maxValueSize">The store's <see cref="IDataStore.MaxValueSize"/>.</param>
    /// <returns>The bytes the operation carries (key plus value), for backends that bound a commit's size.</returns>
    /// <exception cref="ArgumentException">The operation breaks a limit.</exception>
    public static long Validate(BatchOperation operation, int maxKeySize, int maxValueSize)
    {
        SubspaceName.Validate(operation.Subspace);
        ArgumentNullException.ThrowIfNull(operation.Key, nameof(operation));
        CheckKeySize(operation.Key.Length, maxKeySize);
        if (operation.Kind == BatchOperationKind.Set)
        {
            ArgumentNullException.ThrowIfNull(operation.Value, nameof(operation));
            if (operation.Value.Length > maxValueSize)
            {
                throw new ArgumentException($"A value of {operation.Value.Length} bytes is longer than the {maxValueSize} bytes this store accepts.", nameof(operation));
            }
        }

        return operation.Key.Length + (operation.Value?.Length ?? 0);
    }

    /// <summary>Checks a key's length against a store's <see cref="IDataStore.MaxKeySize"/>.</summary>
    /// <param name="length">The key's length in bytes.</param>
    /// <param name="maxKeySize">The store's limit.</param>
    /// <exception cref="ArgumentException">The key is too long.</exception>
    public static void CheckKeySize(int length, int maxKeySize)
    {
        if (length > maxKeySize)
        {
            throw new ArgumentException($"A key of {length} bytes is longer than the {maxKeySize} bytes this store accepts.", "key");
        }
    }
}

namespace Mail.Host;

/// <summary>
/// The version of the plugin contracts. A plugin is compatible with a host when it was built for the same
/// major version and a minor version no newer than the host's: minor versions only add to the contracts.
/// </summary>
public static class ContractsVersion
{
    /// <summary>The contracts version this assembly defines, as written in plugin descriptors.</summary>
    public static Version Current { get; } = new(1, 3, 0);

    /// <summary>
    /// Tells whether a plugin built for <paramref name="pluginContracts"/> can run on a host that implements
    /// <paramref name="hostContracts"/>.
    /// </summary>
    /// <param name="pluginContracts">The contracts version named in the plugin's descriptor.</param>
    /// <param name="hostContracts">The contracts version the host implements.</param>
    /// <returns><see langword="true"/> when the majors match and the plugin's minor is not newer.</returns>
    public static bool IsCompatible(Version pluginContracts, Version hostContracts)
    {
        ArgumentNullException.ThrowIfNull(pluginContracts);
        ArgumentNullException.ThrowIfNull(hostContracts);
        return pluginContracts.Major == hostContracts.Major && pluginContracts.Minor <= hostContracts.Minor;
    }
}

using Mail.Host.Directory;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlDirectory;

/// <summary>
/// A <see cref="SqlDirectory"/> whose users carry SCRAM-SHA-256 secrets (<c>ScramSha256: true</c>), so protocols offer
/// SCRAM-SHA-256 beside PLAIN and LOGIN. A separate type because protocols decide by the directory's type whether to
/// offer the mechanism, and a table without secrets must not advertise one every login would fail.
/// </summary>
/// <param name="name">The directory's manifest name.</param>
/// <param name="sql">The store's SQL.</param>
/// <param name="settings">Checked settings.</param>
internal sealed class SqlDirectoryWithScram(string name, ISqlQueryStore sql, SqlDirectorySettings settings)
    : SqlDirectory(name, sql, settings), IScramSecretStore;

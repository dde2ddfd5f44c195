using System.Data;
using System.Data.Common;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>Binds parameters to commands; values are always bound, never written into the statement.</summary>
internal static class SqlParameters
{
    /// <summary>Binds a parameter to a command.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The name, without <c>@</c>.</param>
    /// <param name="value">The value; <see langword="null"/> binds SQL NULL.</param>
    public static void Add(DbCommand command, string name, object? value) => command.Parameters.Add(Create(command.CreateParameter(), name, value));

    /// <summary>Binds a parameter to a command of a batch.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The name, without <c>@</c>.</param>
    /// <param name="value">The value.</param>
    public static void Add(DbBatchCommand command, string name, object? value) => command.Parameters.Add(Create(command.CreateParameter(), name, value));

    private static DbParameter Create(DbParameter parameter, string name, object? value)
    {
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        switch (value)
        {
            case byte[]:
                parameter.DbType = DbType.Binary;
                break;
            case string:
                parameter.DbType = DbType.String;
                break;
            case long:
                parameter.DbType = DbType.Int64;
                break;
        }

        return parameter;
    }
}

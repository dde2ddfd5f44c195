using Mail.Host.Http;
using Microsoft.AspNetCore.Http;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>The admin API's errors, as RFC 7807 problem details.</summary>
internal static class AdminProblems
{
    /// <summary>A problem with a status, a title that goes with it, and a detail for the administrator.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="detail">What went wrong and what to do.</param>
    /// <returns>The result.</returns>
    public static IResult Problem(int status, string detail) => AdminAccess.Problem(status, detail);

    /// <summary>The problem for a refused change.</summary>
    /// <param name="exception">The refusal.</param>
    /// <returns>The result.</returns>
    public static IResult For(DirectoryAdministrationException exception) => Problem(
        exception.Kind switch
        {
            DirectoryErrorKind.NotFound => StatusCodes.Status404NotFound,
            DirectoryErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        },
        exception.Message);
}

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>Why a change to the internal directory was refused; the admin API answers each with its own status.</summary>
public enum DirectoryErrorKind
{
    /// <summary>The request is wrong as given (bad syntax, a domain that is not local, a weak password): HTTP 400.</summary>
    Invalid,

    /// <summary>What the request names does not exist: HTTP 404.</summary>
    NotFound,

    /// <summary>The request clashes with what exists (a name or address taken, a domain still in use): HTTP 409.</summary>
    Conflict,
}

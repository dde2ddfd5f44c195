using System.Text.Json;
using System.Text.Json.Serialization;
using Mail.Host.Directory;
using Mail.Host.Http;
using Mail.Host.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// The admin API: JSON under <c>/api/admin/</c> for accounts, domains and groups of the internal directory, for
/// principals with the admin role (HTTP Basic). Errors are RFC 7807 problem details: 400 invalid input, 401 no or
/// wrong credentials, 403 not an admin, 404 not found, 409 conflict (also: principals are managed in an external
/// directory, LDAP or SQL, which this API does not change), 503 no internal directory or store unavailable.
/// </summary>
/// <remarks>
/// The routes are mapped whenever the plugin is enabled, since a plugin adds its routes whatever the manifest's
/// directories are; without an internal directory every call answers 503.
/// </remarks>
internal static class AdminApi
{
    /// <summary>Where the API lives.</summary>
    public const string Prefix = "/api/admin";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // A misspelt property would otherwise be ignored silently, and the change made without it.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Adds the routes.</summary>
    /// <param name="endpoints">The host's endpoint route builder.</param>
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Prefix).AddEndpointFilter(AdminAccess.RequireAdminAsync);

        api.MapGet("/accounts", Endpoint(async (http, admin, ct) =>
            Ok((await admin.ListAccountsAsync(ct).ConfigureAwait(false)).Select(AccountView.From))));
        api.MapGet("/accounts/{name}", (HttpContext http, string name) => RunAsync(http, async (admin, ct) =>
            Ok(AccountView.From(await admin.GetAccountAsync(name, ct).ConfigureAwait(false)))));
        api.MapPost("/accounts", Endpoint(async (http, admin, ct) =>
        {
            var account = await admin.CreateAccountAsync(await ReadAsync<AccountCreateRequest>(http, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            return Created(http, $"{Prefix}/accounts/{Uri.EscapeDataString(account.Name)}", AccountView.From(account));
        }));
        api.MapPatch("/accounts/{name}", (HttpContext http, string name) => RunAsync(http, async (admin, ct) =>
            Ok(AccountView.From(await admin.UpdateAccountAsync(name, await ReadAsync<AccountUpdateRequest>(http, ct).ConfigureAwait(false), ct).ConfigureAwait(false)))));
        api.MapDelete("/accounts/{name}", (HttpContext http, string name) => RunAsync(http, async (admin, ct) =>
        {
            await admin.DeleteAccountAsync(name, ct).ConfigureAwait(false);
            return Results.NoContent();
        }));

        api.MapGet("/domains", Endpoint(async (http, admin, ct) =>
            Ok(await admin.ListDomainsAsync(ct).ConfigureAwait(false))));
        api.MapGet("/domains/{name}", (HttpContext http, string name) => RunAsync(http, async (admin, ct) =>
            Ok(await admin.GetDomainAsync(name, ct).ConfigureAwait(false))));
        api.MapPost("/domains", Endpoint(async (http, admin, ct) =>
        {
            var domain = await admin.CreateDomainAsync(await ReadAsync<DomainCreateRequest>(http, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            return Created(http, $"{Prefix}/domains/{Uri.EscapeDataString(domain.Name)}", domain);
        }));
        api.MapPatch("/domains/{name}", (HttpContext http, string name) => RunAsync(http, async (admin, ct) =>
            Ok(await admin.UpdateDomainAsync(name, await ReadAsync<DomainUpdateRequest>(http, ct).ConfigureAwait(false), ct).ConfigureAwait(false))));
        api.MapDelete("/domains/{name}", (HttpContext http, string name) => RunAsync(http, async (admin, ct) =>
        {
            await admin.DeleteDomainAsync(name, ct).ConfigureAwait(false);
            return Results.NoContent();
        }));

        api.MapGet("/groups", Endpoint(async (http, admin, ct) =>
            Ok((await admin.ListGroupsAsync(ct).ConfigureAwait(false)).Select(GroupView.From))));
        api.MapGet("/groups/{name}", (HttpContext http, string name) => RunAsync(http, async (admin, ct) =>
            Ok(GroupView.From(await admin.GetGroupAsync(name, ct).ConfigureAwait(false)))));
        api.MapPost("/groups", Endpoint(async (http, admin, ct) =>
        {
            var group = await admin.CreateGroupAsync(await ReadAsync<GroupCreateRequest>(http, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            return Created(http, $"{Prefix}/groups/{Uri.EscapeDataString(group.Name)}", GroupView.From(group));
        }));
        api.MapDelete("/groups/{name}", (HttpContext http, string name) => RunAsync(http, async (admin, ct) =>
        {
            await admin.DeleteGroupAsync(name, ct).ConfigureAwait(false);
            return Results.NoContent();
        }));
        api.MapPost("/groups/{name}/members", (HttpContext http, string name) => RunAsync(http, async (admin, ct) =>
        {
            var request = await ReadAsync<GroupMembersRequest>(http, ct).ConfigureAwait(false);
            return Ok(GroupView.From(await admin.AddMembersAsync(name, request.Members ?? [], ct).ConfigureAwait(false)));
        }));
        api.MapDelete("/groups/{name}/members/{member}", (HttpContext http, string name, string member) => RunAsync(http, async (admin, ct) =>
            Ok(GroupView.From(await admin.RemoveMemberAsync(name, member, ct).ConfigureAwait(false)))));
    }

    /// <summary>
    /// The internal directory the API manages: the authentication directory when it is one, otherwise the first
    /// directory of type <c>internal</c> in the manifest.
    /// </summary>
    /// <param name="services">The request's services.</param>
    /// <returns>The directory, or null when the manifest opens none.</returns>
    internal static DataStoreDirectory? FindDirectory(IServiceProvider services)
    {
        var directories = services.GetService<IMailDirectories>();
        if (directories is null)
        {
            return null;
        }

        try
        {
            if (directories.Authentication is DataStoreDirectory authentication)
            {
                return authentication;
            }
        }
        catch (InvalidOperationException)
        {
            // No authentication directory: an internal one may still be configured for management alone.
        }

        var configuration = services.GetService<IConfiguration>();
        foreach (var section in configuration?.GetSection("Directories").GetChildren() ?? [])
        {
            if (string.Equals(section["Type"], InternalDirectoryProvider.DirectoryType, StringComparison.OrdinalIgnoreCase)
                && directories.Find(section.Key) is DataStoreDirectory found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The authentication directory when it is not an internal one: its manifest name and type.</summary>
    /// <param name="services">The request's services.</param>
    /// <returns>The name and type, or null when authentication is internal or unset.</returns>
    internal static (string Name, string Type)? ExternalDirectory(IServiceProvider services)
    {
        var configuration = services.GetService<IConfiguration>();
        if (configuration?["Authentication:Directory"] is not { Length: > 0 } name)
        {
            return null;
        }

        var type = configuration[$"Directories:{name}:Type"];
        return type is { Length: > 0 } && !string.Equals(type, InternalDirectoryProvider.DirectoryType, StringComparison.OrdinalIgnoreCase)
            ? (name, type.ToLowerInvariant())
            : null;
    }

    // A lambda taking only HttpContext would bind as a RequestDelegate, whose result is discarded; typed as
    // Func<HttpContext, Task<IResult>> it is a route handler whose IResult is written.
    private static Func<HttpContext, Task<IResult>> Endpoint(Func<HttpContext, DirectoryAdministration, CancellationToken, Task<IResult>> action)
        => http => RunAsync(http, (admin, ct) => action(http, admin, ct));

    private static async Task<IResult> RunAsync(HttpContext http, Func<DirectoryAdministration, CancellationToken, Task<IResult>> action)
    {
        var directory = FindDirectory(http.RequestServices);
        if (directory is null && ExternalDirectory(http.RequestServices) is { } external)
        {
            return AdminProblems.Problem(
                StatusCodes.Status409Conflict,
                $"Principals are managed in the directory '{external.Name}' (type {external.Type}), not by this server: add, change and remove accounts, groups and domains there. Nothing was changed.");
        }

        if (directory is null)
        {
            return AdminProblems.Problem(
                StatusCodes.Status503ServiceUnavailable,
                "No internal directory is configured: add \"Directories\": { \"internal\": { \"Type\": \"internal\" } } to the manifest and restart the server.");
        }

        try
        {
            return await action(directory.Administration, http.RequestAborted).ConfigureAwait(false);
        }
        catch (DirectoryAdministrationException ex)
        {
            return AdminProblems.For(ex);
        }
        catch (StoreUnavailableException ex)
        {
            return AdminProblems.Problem(StatusCodes.Status503ServiceUnavailable, $"The data store is unavailable: {ex.Message}");
        }
    }

    private static async Task<T> ReadAsync<T>(HttpContext http, CancellationToken cancellationToken)
        where T : class
    {
        if (!http.Request.HasJsonContentType())
        {
            throw new DirectoryAdministrationException(DirectoryErrorKind.Invalid, "Send the request body as JSON, with Content-Type: application/json.");
        }

        try
        {
            return await http.Request.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
                ?? throw new DirectoryAdministrationException(DirectoryErrorKind.Invalid, "The request body is null; send a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new DirectoryAdministrationException(DirectoryErrorKind.Invalid, $"The request body is not what this request takes: {ex.Message}");
        }
    }

    private static IResult Ok(object value) => Results.Json(value, Json);

    private static IResult Created(HttpContext http, string location, object value)
    {
        http.Response.Headers.Location = location;
        return Results.Json(value, Json, statusCode: StatusCodes.Status201Created);
    }
}

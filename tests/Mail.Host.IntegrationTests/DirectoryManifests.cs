namespace Mail.Host.IntegrationTests;

/// <summary>Manifests that authenticate against an external directory: the test slapd, or user tables in SQLite.</summary>
internal static class DirectoryManifests
{
    /// <summary>The SQLite file (relative to the deployment) holding the SQL directory's user tables.</summary>
    public const string UsersDatabase = "data/users.sqlite";

    /// <summary>A manifest whose authentication directory is the LDAP server at <paramref name="ldapUrl"/>.</summary>
    public static string Ldap(string ldapUrl, int cacheSeconds = 60, string scramAttribute = "") => $$"""
        {
          "Server": { "Hostname": "localhost", "PluginsDirectory": "plugins", "DataDirectory": "data" },
          "Http": { "Urls": [ "http://127.0.0.1:8080" ] },
          "Plugins": { "memory": { "Enabled": true }, "filesystem": { "Enabled": true }, "internal": { "Enabled": true }, "ldap": { "Enabled": true }, "smtp": { "Enabled": true }, "imap": { "Enabled": true }, "jmap": { "Enabled": true } },
          "Stores": { "main": { "Type": "memory" }, "blobs": { "Type": "filesystem", "Path": "data/blobs" } },
          "Roles": { "Data": "main", "Blob": "blobs", "FullText": "main", "Lookup": "main" },
          "Directories": {
            "corp": {
              "Type": "ldap",
              "Urls": [ "{{ldapUrl}}" ],
              "BindDn": "{{Environment.GetEnvironmentVariable("MAILHOST_TEST_LDAP_BIND_DN")}}",
              "BindPasswordEnvironmentVariable": "MAILHOST_TEST_LDAP_PASSWORD",
              "BaseDn": "{{Environment.GetEnvironmentVariable("MAILHOST_TEST_LDAP_BASE")}}",
              "Domains": [ "example.org", "example.net" ],
              "TimeoutSeconds": 5,
              "CacheSeconds": {{cacheSeconds}},
              "Attributes": { "ScramSecret": "{{scramAttribute}}" }
            }
          },
          "Authentication": { "Directory": "corp" },
          "Listeners": {
            "smtp": { "Protocol": "smtp", "Bind": [ "127.0.0.1:2525" ], "Tls": "StartTls" },
            "submission": { "Protocol": "submission", "Bind": [ "127.0.0.1:2587" ], "Tls": "StartTls" },
            "imap": { "Protocol": "imap", "Bind": [ "127.0.0.1:1143" ], "Tls": "StartTls", "AllowPlaintextAuth": true }
          },
          "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } }
        }
        """;

    /// <summary>
    /// A manifest whose authentication directory is the <c>sql</c> directory, by default over the SQLite file
    /// <see cref="UsersDatabase"/>; or over another store (<paramref name="store"/>, the store's settings) whose tables
    /// carry <paramref name="tablePrefix"/>.
    /// </summary>
    public static string Sql(
        string store = $"\"Type\": \"sqlite\", \"Path\": \"{UsersDatabase}\"",
        string tablePrefix = "",
        string loginColumns = "name, kind, secret, display_name, address, disabled, roles",
        int cacheSeconds = 60,
        bool scram = false,
        string storePlugin = "sqlite") => $$"""
        {
          "Server": { "Hostname": "localhost", "PluginsDirectory": "plugins", "DataDirectory": "data" },
          "Http": { "Urls": [ "http://127.0.0.1:8080" ] },
          "Plugins": { "memory": { "Enabled": true }, "filesystem": { "Enabled": true }, "{{storePlugin}}": { "Enabled": true }, "internal": { "Enabled": true }, "sql-directory": { "Enabled": true }, "smtp": { "Enabled": true }, "imap": { "Enabled": true }, "jmap": { "Enabled": true } },
          "Stores": {
            "main": { "Type": "memory" },
            "blobs": { "Type": "filesystem", "Path": "data/blobs" },
            "users": { {{store}} }
          },
          "Roles": { "Data": "main", "Blob": "blobs", "FullText": "main", "Lookup": "main" },
          "Directories": {
            "accounts": {
              "Type": "sql",
              "Store": "users",
              "Domains": [ "example.org" ],
              "CacheSeconds": {{cacheSeconds}},
              "ScramSha256": {{(scram ? "true" : "false")}},
              "Queries": {
                "Login": "SELECT {{loginColumns}} FROM {{tablePrefix}}accounts WHERE name = @user OR address = @user",
                "Recipient": "SELECT name FROM {{tablePrefix}}accounts WHERE address = @address UNION SELECT name FROM {{tablePrefix}}aliases WHERE address = @address",
                "Aliases": "SELECT address FROM {{tablePrefix}}aliases WHERE name = @name",
                "MemberOf": "SELECT group_name AS name FROM {{tablePrefix}}members WHERE member = @name",
                "Members": "SELECT a.address FROM {{tablePrefix}}members m JOIN {{tablePrefix}}accounts a ON a.name = m.member WHERE m.group_name = @name"
              }
            }
          },
          "Authentication": { "Directory": "accounts" },
          "Listeners": {
            "smtp": { "Protocol": "smtp", "Bind": [ "127.0.0.1:2525" ], "Tls": "StartTls" },
            "submission": { "Protocol": "submission", "Bind": [ "127.0.0.1:2587" ], "Tls": "StartTls" },
            "imap": { "Protocol": "imap", "Bind": [ "127.0.0.1:1143" ], "Tls": "StartTls", "AllowPlaintextAuth": true }
          },
          "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } }
        }
        """;
}

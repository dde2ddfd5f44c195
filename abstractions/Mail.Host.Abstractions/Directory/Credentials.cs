namespace Mail.Host.Directory;

/// <summary>What a client presents to log in. Each mechanism has its own subtype.</summary>
/// <param name="Username">The name the client gave.</param>
public abstract record Credentials(string Username);

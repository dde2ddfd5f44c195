using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mail.Host.Plugins.Tests.Elasticsearch;

/// <summary>
/// An HTTP server on loopback that answers as an Elasticsearch node would, with answers the test writes, and keeps
/// every request it got. It stands in for a cluster only to check what the store sends and how it reads answers
/// and errors: no Elasticsearch server can be installed on the machines these tests run on.
/// </summary>
internal sealed class ElasticsearchStandIn : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Func<RecordedRequest, (int Status, string Body)> answer;
    private readonly Task serving;

    public ElasticsearchStandIn(Func<RecordedRequest, (int Status, string Body)> answer)
    {
        this.answer = answer;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public void Dispose()
    {
        if (!listener.IsListening)
        {
            return;
        }

        listener.Stop();
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                // The client compresses request bodies.
                Stream input = context.Request.Headers["Content-Encoding"] == "gzip" ? new System.IO.Compression.GZipStream(context.Request.InputStream, System.IO.Compression.CompressionMode.Decompress) : context.Request.InputStream;
                using var reader = new StreamReader(input, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var request = new RecordedRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.Url.Query.TrimStart('?'), body, context.Request.Headers["Authorization"]);
                Requests.Enqueue(request);
                int status;
                string text;
                try
                {
                    (status, text) = answer(request);
                }
                catch (Exception ex)
                {
                    (status, text) = (599, "the test's answer failed: " + ex.Message);
                }

                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";

                // The client checks that it talks to Elasticsearch by this header.
                context.Response.Headers["X-Elastic-Product"] = "Elasticsearch";
                var bytes = Encoding.UTF8.GetBytes(text);
                if (request.Method != "HEAD")
                {
                    context.Response.ContentLength64 = bytes.Length;
                    await context.Response.OutputStream.WriteAsync(bytes);
                }

                context.Response.Close();
            });
        }
    }

    /// <summary>One request as received.</summary>
    public sealed record RecordedRequest(string Method, string Path, string Query, string Body, string? Authorization)
    {
        public bool HasQuery(string name, string value) => Query.Split('&').Contains($"{name}={value}");
    }
}

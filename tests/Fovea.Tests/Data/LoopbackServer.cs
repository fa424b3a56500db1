// A tiny HTTP server on 127.0.0.1 for download tests: serves byte arrays by path, honours "Range: bytes=N-"
// (206 with Content-Range, 416 past the end) unless told to ignore it, can cut a response short, and
// records the Range header of every request. Nothing leaves the machine.
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Fovea.Tests.Data;

internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public LoopbackServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Prefix = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Prefix);
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    /// <summary>The base address, ending in '/'.</summary>
    public string Prefix { get; }

    /// <summary>Files served, by path without the leading '/'.</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; } = new();

    /// <summary>Each request as "path range-header" (range "-" when absent), in arrival order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Answer every request with the whole file (status 200), as servers without range support do.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>When set, the next response announces its full length but stops after this many bytes.</summary>
    public int? CutAfter { get; set; }

    public Uri Url(string path) => new(Prefix + path);

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; } // stopped
            try { Handle(ctx); }
            catch (Exception) { /* the client went away */ }
        }
    }

    private void Handle(HttpListenerContext ctx)
    {
        string path = ctx.Request.Url!.AbsolutePath.TrimStart('/');
        string? range = ctx.Request.Headers["Range"];
        Requests.Enqueue($"{path} {range ?? "-"}");
        var response = ctx.Response;
        if (!Files.TryGetValue(path, out var data))
        {
            response.StatusCode = 404;
            response.Close();
            return;
        }
        long from = 0;
        if (range != null && !IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (from >= data.Length)
            {
                response.StatusCode = 416;
                response.AddHeader("Content-Range", $"bytes */{data.Length}");
                response.Close();
                return;
            }
            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {from}-{data.Length - 1}/{data.Length}");
        }
        response.ContentLength64 = data.Length - from;
        if (CutAfter is int cut)
        {
            CutAfter = null;
            response.OutputStream.Write(data, (int)from, cut);
            response.OutputStream.Flush();
            response.Abort();
            return;
        }
        response.OutputStream.Write(data, (int)from, (int)(data.Length - from));
        response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}

// Resumable HTTP downloads: bytes go to "<file>.part", a rerun after an interruption asks for the rest with an
// HTTP Range request, the finished file is checked against its published checksum and only then renamed into
// place, so a file under its final name is always whole and verified.
using System.Net;
using System.Net.Http.Headers;

namespace Fovea.Data;

/// <summary>Downloads files over HTTP with resume (Range requests into a .part file), checksum check and atomic rename.</summary>
public sealed class Downloader
{
    private static readonly Lazy<HttpClient> Shared = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(30) });
    private readonly HttpClient _client;

    /// <summary>A downloader using <paramref name="client"/>, or a shared client when null.</summary>
    public Downloader(HttpClient? client = null) => _client = client ?? Shared.Value;

    /// <summary>Receives one line per file fetched (for progress messages); null for silence.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// Fetches <paramref name="url"/> into <paramref name="destination"/> unless a file matching
    /// <paramref name="expected"/> is already there. Resumes from an existing "<paramref name="destination"/>.part".
    /// Throws <see cref="InvalidDataException"/> naming the file and both digests when the checksum does not match
    /// (the .part file is removed, so a rerun starts afresh), <see cref="HttpRequestException"/> on HTTP errors and
    /// <see cref="IOException"/> when the connection ends early (the .part file is kept for a resume).
    /// </summary>
    public void Download(Uri url, string destination, Checksum? expected = null, CancellationToken cancel = default)
    {
        if (File.Exists(destination) && (expected is null || expected.Matches(destination))) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        string part = destination + ".part";
        Fetch(url, part, retryWhole: true, cancel);
        if (expected != null)
        {
            string actual = expected.Compute(part);
            if (actual != expected.Hex)
            {
                File.Delete(part);
                throw new InvalidDataException(
                    $"{Path.GetFileName(destination)}: checksum mismatch for {destination} downloaded from {url}: expected {expected.Algorithm} {expected.Hex}, got {actual}. The partial file was removed; run again to download afresh.");
            }
        }
        File.Move(part, destination, overwrite: true);
    }

    /// <summary>
    /// Like <see cref="Download(Uri, string, Checksum?, CancellationToken)"/>, trying each mirror in turn while the
    /// previous one fails with a network or HTTP error (a checksum mismatch is not retried elsewhere).
    /// </summary>
    public void Download(IReadOnlyList<Uri> mirrors, string destination, Checksum? expected = null, CancellationToken cancel = default)
    {
        if (mirrors.Count == 0) throw new ArgumentException("Download: no address given.", nameof(mirrors));
        var errors = new List<string>();
        foreach (var url in mirrors)
        {
            try
            {
                Download(url, destination, expected, cancel);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                errors.Add($"{url}: {e.Message}");
            }
        }
        throw new IOException($"Could not download {Path.GetFileName(destination)}: {string.Join(" | ", errors)}");
    }

    private void Fetch(Uri url, string part, bool retryWhole, CancellationToken cancel)
    {
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (have > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            if (response.Content.Headers.ContentRange?.Length == have) return; // the .part file is already whole
            File.Delete(part);
            if (retryWhole) Fetch(url, part, retryWhole: false, cancel);
            return;
        }
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
        if (resumed && response.Content.Headers.ContentRange?.From != have)
            throw new HttpRequestException($"GET {url}: asked for bytes from {have}, the server sent range {response.Content.Headers.ContentRange}.");
        long? length = response.Content.Headers.ContentLength;
        Log?.Invoke(resumed ? $"resuming {url} at byte {have}" : $"downloading {url}" + (length is long n ? $" ({n} bytes)" : ""));

        using var body = response.Content.ReadAsStream(cancel);
        long got;
        using (var file = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write))
            got = Copy(body, file, cancel);
        if (length is long total && got != total)
            throw new IOException($"GET {url}: the connection ended after {got} of {total} bytes; {part} keeps what arrived, run again to resume.");
    }

    private static long Copy(Stream from, Stream to, CancellationToken cancel)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = from.Read(buffer)) > 0)
        {
            cancel.ThrowIfCancellationRequested();
            to.Write(buffer, 0, n);
            total += n;
        }
        return total;
    }
}

// Timing helpers shared by the benchmarks: warm-up, then the median of repeated runs.
using System.Diagnostics;
using System.Text.Json;

namespace Fovea.Bench;

internal static class Measure
{
    /// <summary>Median seconds per call of <paramref name="action"/> after warm-up, over at least <paramref name="minSeconds"/>.</summary>
    public static double Median(Action action, double minSeconds = 1.0, int minRuns = 5)
    {
        action();
        action();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minRuns || total.Elapsed.TotalSeconds < minSeconds)
        {
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Fastest seconds per call of <paramref name="action"/> after warm-up, over at least <paramref name="minSeconds"/>.</summary>
    public static double Fastest(Action action, double minSeconds = 1.0, int minRuns = 5)
    {
        action();
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        for (int runs = 0; runs < minRuns || total.Elapsed.TotalSeconds < minSeconds; runs++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    public static void Print(Dictionary<string, object?> fields) => Console.WriteLine(JsonSerializer.Serialize(fields));

    /// <summary>Runs a peer script and returns its JSON lines, or null if the peer is not installed.</summary>
    public static List<JsonElement>? Peer(string program, string arguments)
    {
        try
        {
            var psi = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) return null;
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>One of our own peer scripts, bench/peers/<paramref name="script"/> in the repository.</summary>
    public static string OwnPeer(string script) => Path.Combine(RepoRoot() ?? ".", "bench", "peers", script);

    /// <summary>The repository root (the folder holding Fovea.slnx above the running binary), or null.</summary>
    public static string? RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Fovea.slnx"))) return d.FullName;
        return null;
    }

    /// <summary>The shared peers folder (shared/peers beside the repository root or beside a folder above it, so a
    /// worktree under /work/wt finds /work/shared/peers), or null.</summary>
    public static string? PeersDir()
    {
        for (var d = RepoRoot() is { } root ? new DirectoryInfo(root).Parent : null; d != null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "shared", "peers"))) return Path.Combine(d.FullName, "shared", "peers");
        return null;
    }
}

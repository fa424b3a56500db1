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

    /// <summary>The repository root (the folder holding Fovea.slnx above the running binary), or null.</summary>
    public static string? RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Fovea.slnx"))) return d.FullName;
        return null;
    }

    /// <summary>The shared peers folder (../shared/peers from the repository root), or null.</summary>
    public static string? PeersDir() =>
        RepoRoot() is { } root && Path.GetFullPath(Path.Combine(root, "..", "shared", "peers")) is var dir && Directory.Exists(dir) ? dir : null;
}

// `fovea info`: version, SIMD path, threads and the datasets Fovea can find, as text or JSON.
using System.CommandLine;
using System.Text.Json;
using Fovea.Runtime;
using Fovea.Runtime.Threading;

namespace Fovea.Cli.Commands;

public static class InfoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var cmd = new Command("info", "Show the version, SIMD path, thread count and data folders.") { json };
        cmd.SetAction(r =>
        {
            var info = new Dictionary<string, object?>
            {
                ["version"] = SystemInfo.Version,
                ["runtime"] = Environment.Version.ToString(),
                ["simd"] = SystemInfo.SimdPath,
                ["threads"] = WorkerPool.ThreadCount,
                ["FOVEA_NUM_THREADS"] = Environment.GetEnvironmentVariable("FOVEA_NUM_THREADS"),
                ["FOVEA_DATA"] = Environment.GetEnvironmentVariable("FOVEA_DATA"),
            };
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(info));
            else foreach (var (k, v) in info) Console.WriteLine($"{k,-18} {v ?? "(not set)"}");
            return 0;
        });
        return cmd;
    }
}

// `fovea info`: version, SIMD path, threads and the datasets Fovea can find, as text or JSON.
using System.CommandLine;
using System.Text.Json;
using Fovea.Data;
using Fovea.Models;
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
                ["datasets"] = DatasetCatalog.All.Values.ToDictionary(d => d.Name,
                    d => DatasetLocator.TryFind(d.Name, null, LocatorOptions.FromEnvironment()) is { } found ? found.ToString()
                        : d.Name == "fashion-mnist" ? "bundled sample (2,000 / 1,000 images)" : "not found (downloads on first use)"),
                ["models"] = ModelZoo.Names.Select(m => m.Name).ToArray(),
            };
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(info));
            else
                foreach (var (k, v) in info)
                    switch (v)
                    {
                        case Dictionary<string, string> d:
                            Console.WriteLine(k);
                            foreach (var (dk, dv) in d) Console.WriteLine($"  {dk,-16} {dv}");
                            break;
                        case string[] list:
                            Console.WriteLine($"{k,-18} {string.Join(", ", list)}");
                            break;
                        default:
                            Console.WriteLine($"{k,-18} {v ?? "(not set)"}");
                            break;
                    }
            return 0;
        });
        return cmd;
    }
}

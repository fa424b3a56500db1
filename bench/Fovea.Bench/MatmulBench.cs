// `matmul [N...] [--peer]`: float32 square GEMM throughput, optionally next to PyTorch (OpenBLAS) in the same run.
using Fovea.Kernels.Cpu;
using Fovea.Runtime.Threading;

namespace Fovea.Bench;

internal static class MatmulBench
{
    public static int Run(string[] args)
    {
        bool peer = args.Contains("--peer");
        var sizes = args.Where(a => !a.StartsWith("--")).Select(int.Parse).DefaultIfEmpty(1024).ToList();
        foreach (int n in sizes)
        {
            var a = Tensor.Randn([n, n]).ToArray<float>();
            var b = Tensor.Randn([n, n]).ToArray<float>();
            var c = new float[n * n];
            double s = Measure.Median(() => Sgemm.Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n));
            double gflops = 2.0 * n * n * n / s / 1e9;
            var row = new Dictionary<string, object?>
            {
                ["bench"] = "matmul", ["n"] = n, ["threads"] = WorkerPool.ThreadCount, ["simd"] = CpuFeatures.Describe(),
                ["gflops"] = Math.Round(gflops, 1), ["ms"] = Math.Round(s * 1e3, 3),
            };
            if (peer && Measure.PeersDir() is { } dir)
            {
                var r = Measure.Peer("/usr/bin/python3", $"{Path.Combine(dir, "torch_matmul.py")} {n}");
                if (r is { Count: > 0 } && r[0].TryGetProperty("gflops", out var g))
                {
                    row["peer"] = "pytorch";
                    row["peer_gflops"] = g.GetDouble();
                    row["ratio"] = Math.Round(gflops / g.GetDouble(), 2);
                }
                else row["peer"] = "unavailable";
            }
            Measure.Print(row);
        }
        return 0;
    }
}

// `matmul [N...] [--peer]`: float32 square GEMM throughput, optionally next to PyTorch (OpenBLAS) in the same run;
// `matmul --cnn`: the GEMM shapes of the reference CNN's convolutions.
using Fovea.Kernels.Cpu;
using Fovea.Runtime.Threading;

namespace Fovea.Bench;

internal static class MatmulBench
{
    public static int Run(string[] args)
    {
        bool peer = args.Contains("--peer");
        if (args.Contains("--cnn")) return CnnShapes();
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

    // GEMM shapes (m, n, k, transA, transB) of the reference CNN's second convolution: per image and for ten images.
    private static int CnnShapes()
    {
        (int M, int N, int K, bool TA, bool TB, string What)[] shapes =
        [
            (64, 196, 288, false, false, "conv2 fwd/image"), (64, 1960, 288, false, false, "conv2 fwd/10 images"),
            (288, 196, 64, true, false, "conv2 dx/image"), (288, 1960, 64, true, false, "conv2 dx/10 images"),
            (64, 288, 196, false, true, "conv2 dw/image"), (64, 288, 1960, false, true, "conv2 dw/10 images"),
            (1960, 64, 288, true, true, "conv2 fwd^T/10 images"),
        ];
        foreach (var (m, n, k, ta, tb, what) in shapes)
        {
            var a = Tensor.Randn([m * k]).ToArray<float>();
            var b = Tensor.Randn([k * n]).ToArray<float>();
            var c = new float[m * n];
            int lda = ta ? m : k, ldb = tb ? k : n;
            double s = Measure.Fastest(() => Sgemm.Gemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n), 0.3);
            Measure.Print(new() { ["bench"] = "matmul", ["shape"] = what, ["m"] = m, ["n"] = n, ["k"] = k, ["threads"] = WorkerPool.ThreadCount,
                ["gflops"] = Math.Round(2.0 * m * n * k / s / 1e9, 1) });
        }
        return 0;
    }
}

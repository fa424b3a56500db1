// `conv2d [--batch B] [--peer]`: forward + backward (input and weight gradients) of the ResNet-18 3x3 convolutions,
// optionally next to PyTorch measured in the same run (bench/peers/torch_conv2d.py).
using Fovea.Kernels.Cpu;
using Fovea.Runtime.Threading;

namespace Fovea.Bench;

internal static class Conv2dBench
{
    // (in channels, input size, out channels, stride) of ResNet-18's 3x3 convolutions, padding 1.
    private static readonly (int Cin, int Hw, int Cout, int Stride)[] Shapes =
        [(64, 56, 64, 1), (64, 56, 128, 2), (128, 28, 128, 1), (128, 28, 256, 2), (256, 14, 256, 1), (256, 14, 512, 2), (512, 7, 512, 1)];

    public static int Run(string[] args)
    {
        int batch = args.SkipWhile(a => a != "--batch").Skip(1).Select(int.Parse).DefaultIfEmpty(8).First();
        bool peer = args.Contains("--peer");
        Dictionary<string, double>? peerMs = null;
        if (peer)
        {
            string script = Path.Combine(Measure.RepoRoot()!, "bench", "peers", "torch_conv2d.py");
            peerMs = Measure.Peer("/usr/bin/python3", $"{script} {batch}")?
                .ToDictionary(e => e.GetProperty("shape").GetString()!, e => e.GetProperty("ms").GetDouble());
        }
        double total = 0, peerTotal = 0, flopsTotal = 0;
        foreach (var (cin, hw, cout, stride) in Shapes)
        {
            using var x = Tensor.Randn([batch, cin, hw, hw]).RequiresGrad_();
            using var w = Tensor.Randn([cout, cin, 3, 3]).RequiresGrad_();
            double s = Measure.Median(() =>
            {
                using var scope = Memory.TensorScope.Begin();
                x.Grad = null;
                w.Grad = null;
                var y = Tensor.Conv2d(x, w, stride: stride, padding: 1);
                y.Backward(Tensor.OnesLike(y));
            });
            int oh = (hw - 1) / stride + 1;
            double flops = 3 * 2.0 * batch * cout * oh * oh * cin * 9;   // forward, input gradient, weight gradient
            string shape = $"{cin}x{hw}x{hw}->{cout}/{stride}";
            var row = new Dictionary<string, object?>
            {
                ["bench"] = "conv2d", ["shape"] = shape, ["batch"] = batch, ["ms"] = Math.Round(s * 1e3, 2),
                ["gflops"] = Math.Round(flops / s / 1e9, 1),
            };
            total += s;
            flopsTotal += flops;
            if (peerMs != null && peerMs.TryGetValue(shape, out double pm))
            {
                row["peer_ms"] = pm;
                row["ratio"] = Math.Round(s * 1e3 / pm, 2);   // Fovea time / PyTorch time (< 1 is faster)
                peerTotal += pm / 1e3;
            }
            Measure.Print(row);
        }
        var sum = new Dictionary<string, object?>
        {
            ["bench"] = "conv2d", ["shape"] = "resnet18-3x3-total", ["batch"] = batch, ["threads"] = WorkerPool.ThreadCount,
            ["simd"] = CpuFeatures.Describe(), ["ms"] = Math.Round(total * 1e3, 1), ["gflops"] = Math.Round(flopsTotal / total / 1e9, 1),
        };
        if (peerTotal > 0)
        {
            sum["peer"] = "pytorch";
            sum["peer_ms"] = Math.Round(peerTotal * 1e3, 1);
            sum["ratio"] = Math.Round(total / peerTotal, 2);
        }
        else if (peer) sum["peer"] = "unavailable";
        Measure.Print(sum);
        return 0;
    }
}

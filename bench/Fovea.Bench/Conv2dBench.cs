// `conv2d [--net resnet18|mobilenet_v2] [--batch B] [--peer]`: forward + backward (input and weight gradients) of a
// network's convolution shapes (ResNet-18's 3x3 layers; MobileNetV2's depthwise and pointwise layers), optionally next
// to PyTorch measured in the same run (bench/peers/torch_conv2d.py, which holds the same lists).
using Fovea.Kernels.Cpu;
using Fovea.Runtime.Threading;

namespace Fovea.Bench;

internal static class Conv2dBench
{
    // (in channels, input size, out channels, kernel, stride, groups); padding kernel / 2.
    private static readonly Dictionary<string, (int Cin, int Hw, int Cout, int K, int Stride, int Groups)[]> Nets = new()
    {
        ["resnet18"] = [(64, 56, 64, 3, 1, 1), (64, 56, 128, 3, 2, 1), (128, 28, 128, 3, 1, 1), (128, 28, 256, 3, 2, 1), (256, 14, 256, 3, 1, 1),
            (256, 14, 512, 3, 2, 1), (512, 7, 512, 3, 1, 1)],
        ["mobilenet_v2"] = [(32, 112, 32, 3, 1, 32), (32, 112, 16, 1, 1, 1), (16, 112, 96, 1, 1, 1), (96, 112, 96, 3, 2, 96), (96, 56, 24, 1, 1, 1),
            (144, 56, 144, 3, 1, 144), (144, 56, 144, 3, 2, 144), (192, 28, 192, 3, 1, 192), (192, 28, 32, 1, 1, 1), (384, 14, 384, 3, 1, 384),
            (384, 14, 64, 1, 1, 1), (576, 14, 576, 3, 2, 576), (960, 7, 960, 3, 1, 960), (960, 7, 160, 1, 1, 1), (320, 7, 1280, 1, 1, 1)],
    };

    // The shape's name, shared with the peer script: "64x56x56->128/2", plus " k1" / " g96" when not 3x3 / not dense.
    private static string Key(int cin, int hw, int cout, int k, int stride, int groups) =>
        $"{cin}x{hw}x{hw}->{cout}/{stride}" + (k != 3 ? $" k{k}" : "") + (groups > 1 ? $" g{groups}" : "");

    public static int Run(string[] args)
    {
        int batch = args.SkipWhile(a => a != "--batch").Skip(1).Select(int.Parse).DefaultIfEmpty(8).First();
        string net = args.SkipWhile(a => a != "--net").Skip(1).DefaultIfEmpty("resnet18").First();
        if (!Nets.TryGetValue(net, out var shapes)) throw new ArgumentException($"conv2d: unknown --net '{net}'; choose {string.Join(" or ", Nets.Keys)}.");
        bool peer = args.Contains("--peer");
        Dictionary<string, double>? peerMs = null;
        if (peer)
        {
            string script = Measure.OwnPeer("torch_conv2d.py");
            peerMs = Measure.Peer("/usr/bin/python3", $"{script} {batch} {net}")?
                .ToDictionary(e => e.GetProperty("shape").GetString()!, e => e.GetProperty("ms").GetDouble());
        }
        double total = 0, peerTotal = 0, flopsTotal = 0;
        foreach (var (cin, hw, cout, k, stride, groups) in shapes)
        {
            using var x = Tensor.Randn([batch, cin, hw, hw]).RequiresGrad_();
            using var w = Tensor.Randn([cout, cin / groups, k, k]).RequiresGrad_();
            double s = Measure.Median(() =>
            {
                using var scope = Memory.TensorScope.Begin();
                x.Grad = null;
                w.Grad = null;
                var y = Tensor.Conv2d(x, w, stride: stride, padding: k / 2, groups: groups);
                y.Backward(Tensor.OnesLike(y));
            });
            int oh = (hw - 1) / stride + 1;
            double flops = 3 * 2.0 * batch * cout * oh * oh * cin / groups * k * k;   // forward, input gradient, weight gradient
            string shape = Key(cin, hw, cout, k, stride, groups);
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
            ["bench"] = "conv2d", ["shape"] = $"{net}-total", ["batch"] = batch, ["threads"] = WorkerPool.ThreadCount,
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

// `ops [--batch B]`: forward and forward+backward time of each op of the reference CNN at its real shapes, to see
// where a training step goes (fastest of repeated runs: robust to other work on a shared machine).
using Fovea.Memory;

namespace Fovea.Bench;

internal static class OpsBench
{
    public static int Run(string[] args)
    {
        int i = Array.IndexOf(args, "--batch");
        int n = i >= 0 ? int.Parse(args[i + 1]) : 128;
        var x1 = Tensor.Randn([n, 1, 28, 28]); // the network's input: no gradient, as in training
        var w1 = Tensor.Randn([32, 1, 3, 3]).RequiresGrad_();
        var b1 = Tensor.Randn([32]).RequiresGrad_();
        var h1 = Tensor.Randn([n, 32, 28, 28]).RequiresGrad_();
        var p1 = Tensor.Randn([n, 32, 14, 14]).RequiresGrad_();
        var w2 = Tensor.Randn([64, 32, 3, 3]).RequiresGrad_();
        var g = Tensor.Ones([32]).RequiresGrad_();
        var bb = Tensor.Zeros([32]).RequiresGrad_();
        var f = Tensor.Randn([n, 3136]).RequiresGrad_();
        var wf = Tensor.Randn([128, 3136]).RequiresGrad_();
        var ops = new (string Name, Func<Tensor> Op)[]
        {
            ("conv1 1->32 28x28", () => Tensor.Conv2d(x1, w1, b1, padding: 1)),
            ("conv2 32->64 14x14", () => Tensor.Conv2d(p1, w2, null, padding: 1)),
            ("batchnorm 32x28x28", () => Tensor.BatchNorm(h1, null, null, g, bb, training: true)),
            ("relu 32x28x28", () => h1.Relu()),
            ("maxpool2 32x28x28", () => Tensor.MaxPool2d(h1, 2)),
            ("linear 3136->128", () => Tensor.Linear(f, wf)),
        };
        foreach (var (name, op) in ops)
        {
            double fwd = Measure.Fastest(() => { using var s = TensorScope.Begin(); op(); }, 0.5);
            double both = Measure.Fastest(() => { using var s = TensorScope.Begin(); var y = op(); y.Backward(Tensor.OnesLike(y)); }, 0.5);
            Measure.Print(new() { ["bench"] = "ops", ["op"] = name, ["batch"] = n, ["forward_ms"] = Math.Round(fwd * 1e3, 2), ["backward_ms"] = Math.Round((both - fwd) * 1e3, 2) });
        }
        return 0;
    }
}

// `profile-cnn [--steps S] [--batch B]`: where a training step of the reference CNN goes, op by op
// (each op's fastest time over the steps). The forward is
// spelled out with timers around each op; the backward is timed with gradient hooks, which fire just before the
// node that produced each tensor runs its backward, so the gap between hooks is one node's backward (plus the
// gradient sums and frees that fall between them).
using System.Diagnostics;
using Fovea.Memory;
using Fovea.NN;
using Fovea.Random;

namespace Fovea.Bench;

internal static class ProfileCnnBench
{
    public static int Run(string[] args)
    {
        int ai = Array.IndexOf(args, "--steps"), steps = ai >= 0 ? int.Parse(args[ai + 1]) : 20;
        int bi = Array.IndexOf(args, "--batch"), batch = bi >= 0 ? int.Parse(args[bi + 1]) : 128;
        var g = new Generator(1);
        Tensor P(params int[] shape) => (Tensor.Randn(shape, generator: g) * 0.05).RequiresGrad_();
        Tensor w1 = P(32, 1, 3, 3), b1 = P(32), w2 = P(64, 32, 3, 3), b2 = P(64), wf1 = P(128, 3136), bf1 = P(128), wf2 = P(10, 128), bf2 = P(10);
        Tensor gm1 = Tensor.Ones([32]).RequiresGrad_(), bt1 = Tensor.Zeros([32]).RequiresGrad_();
        Tensor gm2 = Tensor.Ones([64]).RequiresGrad_(), bt2 = Tensor.Zeros([64]).RequiresGrad_();
        Tensor rm1 = Tensor.Zeros([32]), rv1 = Tensor.Ones([32]), rm2 = Tensor.Zeros([64]), rv2 = Tensor.Ones([64]);
        using var x = Tensor.Randn([batch, 1, 28, 28], generator: g);
        using var y = Tensor.RandInt(0, 10, [batch], generator: g);
        // Per op, the fastest of the timed steps (robust to other work on a shared machine).
        var fwd = new Dictionary<string, double>();
        var bwd = new Dictionary<string, double>();
        var best = new Dictionary<string, (double F, double B)>();
        var order = new List<string>();
        var clock = Stopwatch.StartNew();
        double last = 0;
        string? pendingNode = null;
        void Mark(string name)
        {
            double now = clock.Elapsed.TotalSeconds;
            if (pendingNode != null) bwd[pendingNode] = now - last;
            pendingNode = name;
            last = now;
        }
        Tensor Op(string name, Func<Tensor> f)
        {
            double t0 = clock.Elapsed.TotalSeconds;
            var r = f();
            fwd[name] = clock.Elapsed.TotalSeconds - t0;
            if (!order.Contains(name)) order.Add(name);
            if (r.RequiresGrad) r.RegisterHook(gr => { Mark(name); return null; });
            return r;
        }
        void Step()
        {
            using var scope = TensorScope.Begin();
            var h = Op("conv1", () => Tensor.Conv2d(x, w1, b1, padding: 1));
            h = Op("bn1", () => Tensor.BatchNorm(h, rm1, rv1, gm1, bt1, training: true));
            h = Op("relu1", () => h.Relu());
            h = Op("pool1", () => Tensor.MaxPool2d(h, 2));
            h = Op("conv2", () => Tensor.Conv2d(h, w2, b2, padding: 1));
            h = Op("bn2", () => Tensor.BatchNorm(h, rm2, rv2, gm2, bt2, training: true));
            h = Op("relu2", () => h.Relu());
            h = Op("pool2", () => Tensor.MaxPool2d(h, 2));
            h = Op("flatten", () => h.Flatten(1));
            h = Op("fc1", () => Tensor.Linear(h, wf1, bf1));
            h = Op("relu3", () => h.Relu());
            h = Op("dropout", () => Tensor.Dropout(h, 0.25, generator: g));
            h = Op("fc2", () => Tensor.Linear(h, wf2, bf2));
            var loss = Op("loss", () => Loss.CrossEntropy(h, y));
            foreach (var p in new[] { w1, b1, w2, b2, wf1, bf1, wf2, bf2, gm1, bt1, gm2, bt2 }) p.Grad = null;
            pendingNode = null;
            last = clock.Elapsed.TotalSeconds;
            loss.Backward();
            Mark("(end)");
            foreach (var name in order)
            {
                var (f, b) = best.GetValueOrDefault(name, (double.MaxValue, double.MaxValue));
                best[name] = (Math.Min(f, fwd[name]), Math.Min(b, bwd.GetValueOrDefault(name)));
            }
        }
        for (int i = 0; i < 3; i++) Step();
        best.Clear();
        for (int i = 0; i < steps; i++) Step();
        double tf = 0, tb = 0;
        foreach (var name in order)
        {
            double f = best[name].F * 1e3, b = best[name].B * 1e3;
            tf += f;
            tb += b;
            Measure.Print(new() { ["bench"] = "profile-cnn", ["op"] = name, ["forward_ms"] = Math.Round(f, 2), ["backward_ms"] = Math.Round(b, 2) });
        }
        Measure.Print(new() { ["bench"] = "profile-cnn", ["op"] = "total", ["forward_ms"] = Math.Round(tf, 2), ["backward_ms"] = Math.Round(tb, 2) });
        return 0;
    }
}

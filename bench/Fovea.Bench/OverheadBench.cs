// `overhead`: the fixed cost of one small op (an add of two 4-element tensors, with and without autograd recording,
// and a 1x1 convolution on a 1x8x4x4 input), i.e. dispatch, allocation and graph bookkeeping.
using System.Diagnostics;
using Fovea.Autograd;
using Fovea.Memory;

namespace Fovea.Bench;

internal static class OverheadBench
{
    public static int Run(string[] args)
    {
        var a = Tensor.Randn([4]);
        var b = Tensor.Randn([4]);
        var g = Tensor.Randn([4]).RequiresGrad_();
        var x = Tensor.Randn([1, 8, 4, 4]);
        var w = Tensor.Randn([8, 8, 1, 1]);
        foreach (var (name, op) in new (string, Action)[]
        {
            ("add, no grad", () => { using (GradMode.NoGrad()) (a + b).Dispose(); }),
            ("add, recorded", () => (g + b).Dispose()),
            ("conv2d 1x1 8ch 4x4", () => { using (GradMode.NoGrad()) Tensor.Conv2d(x, w).Dispose(); }),
        })
        {
            // Warm up for a second: the runtime recompiles hot methods optimized only after they have run a while.
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed.TotalSeconds < 1) op();
            // Scopes of 100 ops, like a training step's: the scope's bookkeeping is part of the cost.
            const int N = 200000;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < N / 100; i++)
                using (TensorScope.Begin())
                    for (int j = 0; j < 100; j++) op();
            Measure.Print(new() { ["bench"] = "overhead", ["op"] = name, ["ns_per_op"] = Math.Round(sw.Elapsed.TotalSeconds / N * 1e9, 1) });
        }
        return 0;
    }
}

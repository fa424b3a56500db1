// `fovea demo`: trains a logistic-regression classifier with autograd on synthetic, linearly separable data and
// prints the loss falling and the final accuracy: a 10-second check that the engine works end to end.
using System.CommandLine;
using System.Globalization;
using Fovea.Autograd;
using Fovea.Memory;
using Fovea.Random;

namespace Fovea.Cli.Commands;

public static class DemoCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Training steps.", DefaultValueFactory = _ => 200 };
        var cmd = new Command("demo", "Train a small classifier on synthetic data and print the loss falling.") { steps };
        cmd.SetAction(r => Run(r.GetValue(steps)));
        return cmd;
    }

    public static int Run(int steps)
    {
        const int n = 512, d = 8;
        var gen = new Generator(42);
        var trueW = Tensor.Randn([d], generator: gen);                       // (D)
        var x = Tensor.Randn([n, d], generator: gen);                        // (N, D)
        var y = (x * trueW).Sum(1).Gt(0).To(DType.Float32);                 // (N) labels 0/1

        var w = Tensor.Zeros([d], requiresGrad: true);                       // (D)
        var b = Tensor.Zeros([1], requiresGrad: true);                       // (1)
        const double lr = 0.5;
        for (int step = 0; step <= steps; step++)
        {
            using var scope = TensorScope.Begin();
            var logits = (x * w).Sum(1) + b;                                 // (N)
            // Binary cross-entropy with logits: softplus(z) - y * z, averaged.
            var loss = (logits.Softplus() - y * logits).Mean();
            w.Grad = null;
            b.Grad = null;
            loss.Backward();
            using (GradMode.NoGrad())
            {
                w.AddInPlace(w.Grad!, -lr);
                b.AddInPlace(b.Grad!, -lr);
            }
            if (step % 20 == 0)
            {
                var acc = logits.Gt(0).To(DType.Float32).Eq(y).To(DType.Float32).Mean().ToDouble();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step,4}  loss {loss.ToDouble():F4}  accuracy {acc:P1}"));
            }
        }
        return 0;
    }
}

// The fast paths behind small-CNN training (2x2 max pool, float32 batch norm, relu gradient, batched convolution)
// against plain reference loops or float64, and bitwise identical for any thread count.
using Fovea.Random;
using Fovea.Runtime.Threading;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Kernels;

public class CnnFastPathTests
{
    // Values in a few levels (many ties, zeros as after relu) with some NaNs.
    private static Tensor TieData(int[] shape, DType dtype, int seed)
    {
        var g = new Generator((ulong)seed);
        var v = Tensor.RandInt(-2, 3, shape, generator: g).ToArray<long>();
        var u = Tensor.Rand(shape, generator: g).ToArray<float>();
        var d = new double[v.Length];
        for (int i = 0; i < d.Length; i++) d[i] = u[i] < 0.03 ? double.NaN : Math.Max(0, v[i]);
        return Tensor.FromArray(d, shape).To(dtype);
    }

    [Theory]
    [InlineData(2, 2)] [InlineData(4, 6)] [InlineData(5, 16)] [InlineData(6, 14)] [InlineData(8, 28)] [InlineData(3, 17)]
    [InlineData(14, 14)] [InlineData(10, 30)] [InlineData(4, 8)] [InlineData(6, 20)]
    public void MaxPool2x2MatchesTheScanRule(int h, int w)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = TieData([2, 3, h, w], dtype, h * 100 + w);
            var (y, idx) = Tensor.MaxPool2dWithIndices(x, 2);
            var xs = x.To(DType.Float64).ToArray<double>();
            var ys = y.To(DType.Float64).ToArray<double>();
            var ix = idx.ToArray<long>();
            int oh = h / 2, ow = w / 2, o = 0;
            for (int p = 0; p < 6; p++)
                for (int r = 0; r < oh; r++)
                    for (int c = 0; c < ow; c++, o++)
                    {
                        // PyTorch's scan: first maximum, a NaN replaces whatever came before.
                        double best = double.NaN;
                        int at = -1;
                        for (int i = 0; i < 2; i++)
                            for (int j = 0; j < 2; j++)
                            {
                                int k = (2 * r + i) * w + 2 * c + j;
                                double v = xs[p * h * w + k];
                                if (at < 0 || v > best || double.IsNaN(v)) { best = v; at = k; }
                            }
                        Assert.Equal(at, ix[o]);
                        Assert.Equal(best, ys[o]);
                    }
            var gx = Threads.With(1, () => Tensor.MaxPool2d(x, 2));
            Assert.Equal(y.To(DType.Float64).ToArray<double>(), gx.To(DType.Float64).ToArray<double>());
        }
    }

    [Fact]
    public void FloatBatchNormIsCloseToDoubleAndThreadCountIndependent()
    {
        var g = new Generator(7);
        var x64 = (Tensor.Randn([6, 5, 9, 7], DType.Float64, generator: g) * 3 + 2);
        var dy64 = Tensor.Randn([6, 5, 9, 7], DType.Float64, generator: g);
        var gamma = Tensor.Randn([5], DType.Float64, generator: g);
        var beta = Tensor.Randn([5], DType.Float64, generator: g);
        (double[] Y, double[] Dx, double[] Dg) Run(DType dt)
        {
            var x = x64.To(dt).RequiresGrad_();
            var gm = gamma.To(dt).RequiresGrad_();
            var bt = beta.To(dt).RequiresGrad_();
            var y = Tensor.BatchNorm(x, null, null, gm, bt, training: true);
            y.Backward(dy64.To(dt));
            return (y.To(DType.Float64).ToArray<double>(), x.Grad!.To(DType.Float64).ToArray<double>(), gm.Grad!.To(DType.Float64).ToArray<double>());
        }
        var reference = Run(DType.Float64);
        var one = Threads.With(1, () => Run(DType.Float32));
        var four = Threads.With(4, () => Run(DType.Float32));
        Assert.Equal(one.Y, four.Y);
        Assert.Equal(one.Dx, four.Dx);
        Assert.Equal(one.Dg, four.Dg);
        for (int i = 0; i < reference.Y.Length; i++)
        {
            Assert.True(Math.Abs(reference.Y[i] - one.Y[i]) < 1e-5, $"y[{i}]: {reference.Y[i]} vs {one.Y[i]}");
            Assert.True(Math.Abs(reference.Dx[i] - one.Dx[i]) < 1e-5, $"dx[{i}]: {reference.Dx[i]} vs {one.Dx[i]}");
        }
        for (int i = 0; i < reference.Dg.Length; i++) Assert.True(Math.Abs(reference.Dg[i] - one.Dg[i]) < 1e-3, $"dgamma[{i}]");
    }

    [Fact]
    public void ReluGradientKeepsPositivePositionsOnly()
    {
        var x = TieData([3, 37], DType.Float32, 3).RequiresGrad_();
        var gy = Tensor.Randn([3, 37], generator: new Generator(4));
        x.Relu().Backward(gy);
        var xs = x.ToArray<float>();
        var gs = gy.ToArray<float>();
        var dx = x.Grad!.ToArray<float>();
        for (int i = 0; i < xs.Length; i++) Assert.Equal(xs[i] > 0 ? gs[i] : 0f, dx[i]);
    }

    // Batches big enough for the several-images-per-GEMM paths against the same convolution one image at a time.
    [Theory]
    [InlineData(3, 8, 7, 7, 3, 1, 1, 1, true)]
    [InlineData(4, 6, 9, 8, 3, 2, 1, 2, false)]
    [InlineData(1, 5, 12, 12, 5, 1, 2, 1, true)]
    [InlineData(6, 4, 5, 6, 1, 2, 0, 2, false)]
    public void BatchedConvolutionMatchesPerImage(int c, int o, int h, int w, int k, int stride, int pad, int groups, bool bias)
    {
        const int n = 40;
        var g = new Generator((ulong)(c * 31 + o));
        var x = Tensor.Randn([n, c, h, w], generator: g);
        var wt = Tensor.Randn([o, c / groups, k, k], generator: g);
        var b = bias ? Tensor.Randn([o], generator: g) : null;
        (float[] Y, float[] Dx, float[] Dw) Run(Tensor xi)
        {
            var xr = xi.Clone().RequiresGrad_();
            var wr = wt.Clone().RequiresGrad_();
            var y = Tensor.Conv2d(xr, wr, b, stride: stride, padding: pad, groups: groups);
            var gy = y.Detach().Cos();
            y.Backward(gy);
            return (y.ToArray<float>(), xr.Grad!.ToArray<float>(), wr.Grad!.ToArray<float>());
        }
        var whole = Run(x);
        var ys = new List<float>();
        var dxs = new List<float>();
        var dw = new double[wt.NumElements];
        for (int i = 0; i < n; i++)
        {
            var r = Run(x.Narrow(0, i, 1));
            ys.AddRange(r.Y);
            dxs.AddRange(r.Dx);
            for (int j = 0; j < dw.Length; j++) dw[j] += r.Dw[j];
        }
        Assert.Equal(ys.ToArray(), whole.Y, new FloatNear(1e-4f));
        Assert.Equal(dxs.ToArray(), whole.Dx, new FloatNear(1e-4f));
        for (int j = 0; j < dw.Length; j++) Assert.True(Math.Abs(dw[j] - whole.Dw[j]) < 1e-3 * (1 + Math.Abs(dw[j])), $"dw[{j}]: {dw[j]} vs {whole.Dw[j]}");
        var one = Threads.With(1, () => Run(x));
        var four = Threads.With(4, () => Run(x));
        Assert.Equal(one.Y, four.Y);
        Assert.Equal(one.Dx, four.Dx);
        Assert.Equal(one.Dw, four.Dw);
    }

    private sealed class FloatNear(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tol * (1 + Math.Abs(a));
        public int GetHashCode(float v) => 0;
    }

    // The vectorised Adam step against the textbook scalar loop in float32, bit for bit, with and without weight decay.
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void AdamMatchesTheScalarUpdate(double weightDecay)
    {
        var g = new Generator(11);
        var p = Tensor.Randn([37], generator: g).RequiresGrad_();
        var p0 = p.ToArray<float>();
        var opt = new Fovea.Optim.Adam([p], lr: 1e-2, weightDecay: weightDecay);
        float[] m = new float[37], v = new float[37], r = (float[])p0.Clone();
        float b1 = 0.9f, b2 = 0.999f, lr = 1e-2f, eps = 1e-8f, wd = (float)weightDecay;
        for (int step = 1; step <= 3; step++)
        {
            var grad = Tensor.Randn([37], generator: g);
            p.Grad = grad;
            opt.Step();
            var gs = grad.ToArray<float>();
            float stepSize = (float)((double)lr / (1 - Math.Pow(b1, step))), bc2 = (float)Math.Sqrt(1 - Math.Pow(b2, step));
            for (int i = 0; i < 37; i++)
            {
                float gi = gs[i] + wd * r[i];
                m[i] = m[i] * b1 + (1 - b1) * gi;
                v[i] = v[i] * b2 + (1 - b2) * gi * gi;
                r[i] -= stepSize * (m[i] / (MathF.Sqrt(v[i]) / bc2 + eps));
            }
        }
        Assert.Equal(r, p.ToArray<float>());
    }
}

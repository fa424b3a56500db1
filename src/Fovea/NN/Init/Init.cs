// Weight initialisation schemes (torch.nn.init), seeded through Fovea's generators. Each fills in place
// without recording autograd and returns the tensor.
using Fovea.Autograd;
using Fovea.Random;

namespace Fovea.NN;

/// <summary>Nonlinearities for the gain of Kaiming/Xavier initialisation (torch.nn.init.calculate_gain).</summary>
public enum Nonlinearity { Linear, Sigmoid, Tanh, Relu, LeakyRelu, Selu }

public static class Init
{
    public static double Gain(Nonlinearity nl, double negativeSlope = 0.01) => nl switch
    {
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + negativeSlope * negativeSlope)),
        Nonlinearity.Selu => 3.0 / 4,
        _ => 1.0,
    };

    /// <summary>(fan_in, fan_out) of a weight: dims 1 and 0 times the receptive field (the product of dims 2...).</summary>
    public static (int FanIn, int FanOut) Fans(Tensor w)
    {
        if (w.Rank < 2) throw new ArgumentException($"Init: fan in/out need a tensor of rank >= 2, got shape {w.Shape}.");
        int receptive = 1;
        for (int d = 2; d < w.Rank; d++) receptive *= w.Shape[d];
        return (w.Shape[1] * receptive, w.Shape[0] * receptive);
    }

    public static Tensor Uniform(Tensor t, double low, double high, Generator? g = null)
    {
        using (GradMode.NoGrad()) return t.UniformInPlace(low, high, g);
    }

    public static Tensor Normal(Tensor t, double mean, double std, Generator? g = null)
    {
        using (GradMode.NoGrad()) return t.NormalInPlace(mean, std, g);
    }

    public static Tensor Constant(Tensor t, double value)
    {
        using (GradMode.NoGrad()) return t.FillInPlace(value);
    }

    public static Tensor Zeros(Tensor t) => Constant(t, 0);
    public static Tensor Ones(Tensor t) => Constant(t, 1);

    /// <summary>U(-b, b) with b = gain * sqrt(3 / fan), fan = fan_in (default) or fan_out.</summary>
    public static Tensor KaimingUniform(Tensor t, double a = 0, bool fanOut = false, Nonlinearity nl = Nonlinearity.LeakyRelu, Generator? g = null)
    {
        var (fi, fo) = Fans(t);
        double bound = Gain(nl, a) * Math.Sqrt(3.0 / (fanOut ? fo : fi));
        return Uniform(t, -bound, bound, g);
    }

    /// <summary>N(0, std^2) with std = gain / sqrt(fan).</summary>
    public static Tensor KaimingNormal(Tensor t, double a = 0, bool fanOut = false, Nonlinearity nl = Nonlinearity.LeakyRelu, Generator? g = null)
    {
        var (fi, fo) = Fans(t);
        return Normal(t, 0, Gain(nl, a) / Math.Sqrt(fanOut ? fo : fi), g);
    }

    /// <summary>U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor t, double gain = 1, Generator? g = null)
    {
        var (fi, fo) = Fans(t);
        double bound = gain * Math.Sqrt(6.0 / (fi + fo));
        return Uniform(t, -bound, bound, g);
    }

    public static Tensor XavierNormal(Tensor t, double gain = 1, Generator? g = null)
    {
        var (fi, fo) = Fans(t);
        return Normal(t, 0, gain * Math.Sqrt(2.0 / (fi + fo)), g);
    }

    /// <summary>N(mean, std^2) restricted to [a, b] by redrawing out-of-range samples.</summary>
    public static Tensor TruncatedNormal(Tensor t, double mean = 0, double std = 1, double a = -2, double b = 2, Generator? g = null)
    {
        g ??= Generator.Default;
        var values = new double[t.NumElements];
        for (int i = 0; i < values.Length; i++)
        {
            double v;
            do
            {
                ulong c = g.Advance(2);
                v = mean + std * Generator.NormalPair(g.Seed, c).Item1;
            } while (v < a || v > b);
            values[i] = v;
        }
        using (GradMode.NoGrad()) t.CopyFrom(Tensor.Wrap(values, t.Shape.ToArray()));
        return t;
    }

    /// <summary>A (semi-)orthogonal matrix (rows or columns orthonormal) by Gram-Schmidt on a Gaussian matrix, times gain.</summary>
    public static Tensor Orthogonal(Tensor t, double gain = 1, Generator? g = null)
    {
        if (t.Rank < 2) throw new ArgumentException($"Init.Orthogonal: needs rank >= 2, got shape {t.Shape}.");
        int rows = t.Shape[0], cols = t.NumElements / rows;
        bool transpose = rows < cols;
        int n = transpose ? cols : rows, m = transpose ? rows : cols; // orthonormalise m columns of length n
        var q = new double[n * m];
        using (var r = Tensor.Randn([n, m], DType.Float64, g)) r.ToArray<double>().CopyTo(q, 0);
        for (int j = 0; j < m; j++)
        {
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += q[i * m + j] * q[i * m + k];
                for (int i = 0; i < n; i++) q[i * m + j] -= dot * q[i * m + k];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += q[i * m + j] * q[i * m + j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) q[i * m + j] = q[i * m + j] / norm * gain;
        }
        using var qt = Tensor.Wrap(q, n, m);
        using var shaped = transpose ? qt.T.Contiguous() : qt.Alias();
        using (GradMode.NoGrad()) t.CopyFrom(shaped.Reshape(t.Shape.ToArray()));
        return t;
    }
}

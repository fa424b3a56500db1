// Random tensors: uniform, normal and integer fills. Element i of a fill uses counter start+i of the generator,
// so results do not depend on how the fill is split across threads.
using Fovea.Kernels;
using Fovea.Kernels.Cpu;
using Fovea.Random;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(int[] shape, DType dtype = DType.Float32, Generator? generator = null, bool requiresGrad = false)
    {
        var t = Empty(new Shape(shape), dtype);
        t.UniformInPlace(0, 1, generator);
        if (requiresGrad) t.RequiresGrad = true;
        return t;
    }

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(int[] shape, DType dtype = DType.Float32, Generator? generator = null, bool requiresGrad = false)
    {
        var t = Empty(new Shape(shape), dtype);
        t.NormalInPlace(0, 1, generator);
        if (requiresGrad) t.RequiresGrad = true;
        return t;
    }

    /// <summary>Uniform integers in [low, high).</summary>
    public static Tensor RandInt(long low, long high, int[] shape, DType dtype = DType.Int64, Generator? generator = null)
    {
        if (high <= low) throw new ArgumentException($"RandInt: high ({high}) must be greater than low ({low}).");
        var g = generator ?? Generator.Default;
        int n = new Shape(shape).NumElements;
        ulong start = g.Advance(n), seed = g.Seed;
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = low + Generator.Below(seed, start + (ulong)i, (ulong)(high - low));
        using var d = Wrap(v, shape);
        return d.To(dtype);
    }

    /// <summary>Fills with uniform samples in [low, high), in place.</summary>
    public Tensor UniformInPlace(double low = 0, double high = 1, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        int n = NumElements;
        ulong start = g.Advance(n), seed = g.Seed;
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = low + (high - low) * Generator.Uniform(seed, start + (ulong)i);
        return FillFrom(v);
    }

    /// <summary>Fills with normal samples N(mean, std^2), in place.</summary>
    public Tensor NormalInPlace(double mean = 0, double std = 1, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        int n = NumElements;
        ulong start = g.Advance(n + (n & 1)), seed = g.Seed;
        var v = new double[n];
        for (int i = 0; i < n; i += 2)
        {
            var (a, b) = Generator.NormalPair(seed, start + (ulong)i);
            v[i] = mean + std * a;
            if (i + 1 < n) v[i + 1] = mean + std * b;
        }
        return FillFrom(v);
    }

    private Tensor FillFrom(double[] values)
    {
        CheckUnrecordedInPlace("random fill");
        using var src = Wrap(values, _shape);
        ElementwiseKernels.For(Device).Copy(src, this);
        MarkModified();
        return this;
    }
}

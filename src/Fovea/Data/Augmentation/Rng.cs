// Random draws the transforms need, all from a Fovea.Random.Generator: uniform ranges, integers, normals,
// permutations, weighted choices, and Gamma/Beta variates (for MixUp/CutMix).
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>Random helpers over a <see cref="Generator"/>.</summary>
public static class Rng
{
    /// <summary>Uniform in [a, b).</summary>
    public static double Uniform(Generator g, double a, double b) => a + (b - a) * g.NextDouble();

    /// <summary>Uniform integer in [lo, hi) (like torch.randint(lo, hi)); lo when hi &lt;= lo + 1.</summary>
    public static int Int(Generator g, int lo, int hi) => hi <= lo + 1 ? lo : lo + (int)g.NextLong(hi - lo);

    /// <summary>A standard normal (Box-Muller over two uniforms).</summary>
    public static double Normal(Generator g)
    {
        double u1 = 1.0 - g.NextDouble(), u2 = g.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A uniformly random permutation of 0..n-1 (Fisher-Yates).</summary>
    public static int[] Permutation(Generator g, int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)g.NextLong(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>An index drawn with probability proportional to <paramref name="weights"/>.</summary>
    public static int Choice(Generator g, IReadOnlyList<double> weights)
    {
        double total = 0;
        foreach (var w in weights) total += w;
        double u = g.NextDouble() * total;
        for (int i = 0; i < weights.Count; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        for (int i = weights.Count - 1; i >= 0; i--) if (weights[i] > 0) return i;
        return 0;
    }

    /// <summary>A Gamma(shape, 1) variate (Marsaglia-Tsang; shape &lt; 1 by the boost U^(1/shape)).</summary>
    public static double Gamma(Generator g, double shape)
    {
        if (shape <= 0) throw new ArgumentOutOfRangeException(nameof(shape), $"Gamma: shape must be positive, got {shape}.");
        if (shape < 1) return Gamma(g, shape + 1) * Math.Pow(1.0 - g.NextDouble(), 1.0 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x = Normal(g), v = 1 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            double u = 1.0 - g.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    /// <summary>A Beta(a, b) variate from two Gammas.</summary>
    public static double Beta(Generator g, double a, double b)
    {
        double x = Gamma(g, a), y = Gamma(g, b);
        return x + y == 0 ? 0.5 : x / (x + y);
    }
}

// Sampling ops: Bernoulli draws, multinomial (categorical) sampling with or without replacement, and random
// permutations. Like RandomFill, sample i of a call uses counter start+i of the generator, so results depend
// only on the seed and the shapes, never on how the work is split across threads.
using Fovea.Random;
using Fovea.Runtime.Threading;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>Samples per parallel chunk of the element-wise samplers (fixed, so chunking never changes results).</summary>
    private const int SampleGrain = 1 << 14;

    /// <summary>Independent 0/1 samples with P(1) = p elementwise; result has p's shape and floating-point dtype.</summary>
    public static Tensor Bernoulli(Tensor p, Generator? generator = null)
    {
        p.ThrowIfDisposed();
        if (!DTypes.IsFloatingPoint(p.DType)) throw new ArgumentException($"Bernoulli: p must be a floating-point tensor, got {DTypes.Name(p.DType)}.", nameof(p));
        double[] probs;
        using (var p64 = p.To(DType.Float64)) probs = p64.ToArray<double>();
        foreach (double v in probs)
            if (!(v >= 0 && v <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Bernoulli: probabilities must lie in [0, 1], got {v}.");
        var samples = BernoulliSamples(probs.Length, i => probs[i], generator);
        using var d = Wrap(samples, p.ShapeArray);
        return d.To(p.DType);
    }

    /// <summary>Fills this tensor with independent 0/1 samples with P(1) = <paramref name="p"/>, in place.</summary>
    public Tensor BernoulliInPlace(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"BernoulliInPlace: p must lie in [0, 1], got {p}.");
        return FillFrom(BernoulliSamples(NumElements, _ => p, generator));
    }

    // n Bernoulli samples as doubles: 1 where uniform(counter start+i) < p(i).
    private static double[] BernoulliSamples(int n, Func<int, double> p, Generator? generator)
    {
        var g = generator ?? Generator.Default;
        ulong start = g.Advance(n), seed = g.Seed;
        var v = new double[n];
        WorkerPool.ForRange(n, SampleGrain, (a, b) =>
        {
            for (int i = a; i < b; i++) v[i] = Generator.Uniform(seed, start + (ulong)i) < p(i) ? 1 : 0;
        });
        return v;
    }

    /// <summary>
    /// Draws <paramref name="numSamples"/> category indices from each row of non-negative weights
    /// <paramref name="probs"/> (1-d (K) or 2-d (rows, K); rows need not sum to 1). Without
    /// <paramref name="replacement"/> each category appears at most once per row. Returns int64 of shape
    /// (numSamples) or (rows, numSamples).
    /// </summary>
    public static Tensor Multinomial(Tensor probs, int numSamples, bool replacement = false, Generator? generator = null)
    {
        probs.ThrowIfDisposed();
        if (probs.Rank is not (1 or 2)) throw new ArgumentException($"Multinomial: probs must be 1-d or 2-d, got shape {probs.Shape}.", nameof(probs));
        if (!DTypes.IsFloatingPoint(probs.DType)) throw new ArgumentException($"Multinomial: probs must be floating point, got {DTypes.Name(probs.DType)}.", nameof(probs));
        int rows = probs.Rank == 1 ? 1 : probs.ShapeArray[0], k = probs.ShapeArray[^1];
        if (numSamples <= 0) throw new ArgumentOutOfRangeException(nameof(numSamples), $"Multinomial: numSamples must be positive, got {numSamples}.");
        if (!replacement && numSamples > k)
            throw new ArgumentOutOfRangeException(nameof(numSamples), $"Multinomial: cannot draw {numSamples} samples without replacement from {k} categories.");
        double[] w;
        using (var p64 = probs.To(DType.Float64)) w = p64.ToArray<double>();
        CheckMultinomialRows(w, rows, k, numSamples, replacement);
        var g = generator ?? Generator.Default;
        int perRow = replacement ? numSamples : k;
        ulong start = g.Advance((long)rows * perRow), seed = g.Seed;
        var result = new long[rows * numSamples];
        WorkerPool.For(rows, r =>
        {
            var weights = w.AsSpan(r * k, k);
            var outRow = result.AsSpan(r * numSamples, numSamples);
            ulong rowStart = start + (ulong)r * (ulong)perRow;
            if (replacement) SampleWithReplacement(weights, outRow, seed, rowStart);
            else SampleWithoutReplacement(weights, outRow, seed, rowStart);
        });
        return probs.Rank == 1 ? FromArray(result, numSamples) : FromArray(result, rows, numSamples);
    }

    private static void CheckMultinomialRows(double[] w, int rows, int k, int numSamples, bool replacement)
    {
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            int positive = 0;
            for (int j = 0; j < k; j++)
            {
                double v = w[r * k + j];
                if (!(v >= 0) || double.IsInfinity(v)) throw new ArgumentException($"Multinomial: row {r} has invalid weight {v} at category {j} (weights must be finite and >= 0).");
                sum += v;
                if (v > 0) positive++;
            }
            if (sum <= 0) throw new ArgumentException($"Multinomial: row {r} has no positive weight.");
            if (!replacement && positive < numSamples)
                throw new ArgumentException($"Multinomial: row {r} has only {positive} categories with positive weight, fewer than the {numSamples} samples to draw without replacement.");
        }
    }

    // Inverse-CDF sampling: sample s uses counter rowStart+s; categories of weight 0 are never picked.
    private static void SampleWithReplacement(ReadOnlySpan<double> w, Span<long> result, ulong seed, ulong rowStart)
    {
        var cdf = new double[w.Length];
        double acc = 0;
        for (int j = 0; j < w.Length; j++) cdf[j] = acc += w[j];
        for (int s = 0; s < result.Length; s++)
        {
            double target = Generator.Uniform(seed, rowStart + (ulong)s) * acc;
            int lo = 0, hi = w.Length - 1; // first j with cdf[j] > target
            while (lo < hi)
            {
                int mid = (lo + hi) / 2;
                if (cdf[mid] > target) hi = mid; else lo = mid + 1;
            }
            while (w[lo] == 0) lo--; // rounding put target at the very top: take the last positive category
            result[s] = lo;
        }
    }

    // Sampling without replacement by exponential races: category j (counter rowStart+j) gets key w_j / E_j with
    // E_j ~ Exp(1); the numSamples largest keys, in decreasing order, are a draw without replacement.
    private static void SampleWithoutReplacement(ReadOnlySpan<double> w, Span<long> result, ulong seed, ulong rowStart)
    {
        var keys = new double[w.Length];
        var order = new int[w.Length];
        for (int j = 0; j < w.Length; j++)
        {
            double e = -Math.Log(1.0 - Generator.Uniform(seed, rowStart + (ulong)j));
            keys[j] = w[j] > 0 ? w[j] / e : double.NegativeInfinity;
            order[j] = j;
        }
        Array.Sort(order, (a, b) => keys[b].CompareTo(keys[a]) is var c && c != 0 ? c : a.CompareTo(b));
        for (int s = 0; s < result.Length; s++) result[s] = order[s];
    }

    /// <summary>A random permutation of 0..n-1 as an int64 tensor (Fisher-Yates; step i uses counter start+i).</summary>
    public static Tensor RandPerm(int n, Generator? generator = null)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"RandPerm: n must be >= 0, got {n}.");
        var g = generator ?? Generator.Default;
        ulong start = g.Advance(n), seed = g.Seed;
        var perm = new long[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            long j = Generator.Below(seed, start + (ulong)i, (ulong)(i + 1));
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return FromArray(perm, n);
    }
}

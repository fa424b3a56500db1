// Sampling by weight: indices drawn with probability proportional to their weight (like torch
// WeightedRandomSampler), and the class-balanced special case whose weights are 1 / (size of the label's class).
using Fovea.Random;

namespace Fovea.Data;

/// <summary>
/// Draws <c>numSamples</c> indices with probability proportional to <c>weights</c>. With replacement each draw is
/// independent; without it, indices are drawn one after another from those not yet chosen (Efraimidis-Spirakis keys).
/// </summary>
public sealed class WeightedRandomSampler : ISampler
{
    private readonly double[] _weights;
    private readonly double[] _cumulative;   // prefix sums for draws with replacement
    private readonly bool _replacement;
    private readonly ulong _seed;

    /// <summary>A sampler over <paramref name="weights"/> (non-negative, finite, not all zero).</summary>
    public WeightedRandomSampler(IReadOnlyList<double> weights, int numSamples, bool replacement = true, ulong seed = 0)
    {
        _weights = weights.ToArray();
        for (int i = 0; i < _weights.Length; i++)
            if (!(_weights[i] >= 0) || double.IsInfinity(_weights[i]))
                throw new ArgumentException($"WeightedRandomSampler: weight {i} is {_weights[i]}; weights must be finite and non-negative.", nameof(weights));
        if (numSamples < 0) throw new ArgumentOutOfRangeException(nameof(numSamples), $"WeightedRandomSampler: numSamples must be non-negative, got {numSamples}.");
        int positive = _weights.Count(w => w > 0);
        if (numSamples > 0 && positive == 0) throw new ArgumentException("WeightedRandomSampler: all weights are zero.", nameof(weights));
        if (!replacement && numSamples > positive)
            throw new ArgumentException($"WeightedRandomSampler: cannot draw {numSamples} samples without replacement from {positive} indices of positive weight.", nameof(numSamples));
        _cumulative = new double[_weights.Length];
        double sum = 0;
        for (int i = 0; i < _weights.Length; i++) _cumulative[i] = sum += _weights[i];
        _replacement = replacement;
        _seed = seed;
        Count = numSamples;
    }

    public int Count { get; }

    public IEnumerable<int> Indices(int epoch)
    {
        var g = Seeds.ForEpoch(_seed, epoch);
        return _replacement ? WithReplacement(g) : WithoutReplacement(g);
    }

    private int[] WithReplacement(Generator g)
    {
        var result = new int[Count];
        double total = _cumulative[^1];
        for (int i = 0; i < result.Length; i++)
        {
            double u = g.NextDouble() * total;
            int j = Array.BinarySearch(_cumulative, u);
            j = j < 0 ? ~j : j + 1;                  // first prefix sum strictly above u
            while (j < _weights.Length && _weights[j] == 0) j++;    // u exactly at a boundary followed by zero weights
            if (j == _weights.Length) j = LastPositive();
            result[i] = j;
        }
        return result;
    }

    private int LastPositive()
    {
        int j = _weights.Length - 1;
        while (_weights[j] == 0) j--;
        return j;
    }

    // The indices with the largest keys log(u) / w are a sequential weighted draw without replacement.
    private int[] WithoutReplacement(Generator g)
    {
        var keys = new double[_weights.Length];
        var order = new int[_weights.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            double u = 1.0 - g.NextDouble();        // (0, 1]
            keys[i] = _weights[i] > 0 ? Math.Log(u) / _weights[i] : double.NegativeInfinity;
            order[i] = i;
        }
        Array.Sort(order, (a, b) => keys[b] != keys[a] ? keys[b].CompareTo(keys[a]) : a.CompareTo(b));
        return order[..Count];
    }
}

/// <summary>
/// Draws indices with replacement so that every class is equally likely: index i has weight
/// 1 / (number of samples labelled <c>labels[i]</c>), so each class gets numSamples / classes samples in expectation.
/// </summary>
public sealed class ClassBalancedSampler : ISampler
{
    private readonly WeightedRandomSampler _inner;

    /// <summary>A sampler for a dataset with the given <paramref name="labels"/>; <paramref name="numSamples"/> defaults to its size.</summary>
    public ClassBalancedSampler(IReadOnlyList<int> labels, int? numSamples = null, ulong seed = 0)
    {
        var counts = new Dictionary<int, int>();
        foreach (int l in labels) counts[l] = counts.GetValueOrDefault(l) + 1;
        var weights = labels.Select(l => 1.0 / counts[l]).ToArray();
        _inner = new WeightedRandomSampler(weights, numSamples ?? labels.Count, replacement: true, seed);
    }

    public int Count => _inner.Count;

    public IEnumerable<int> Indices(int epoch) => _inner.Indices(epoch);
}

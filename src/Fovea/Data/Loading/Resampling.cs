// Rebalancing a labelled dataset: random oversampling (repeat minority samples), random undersampling (drop
// majority samples), and SMOTE (synthesise minority samples on segments to same-class nearest neighbours,
// Chawla et al. 2002). All are deterministic functions of their seed.
using Fovea.Random;

namespace Fovea.Data;

/// <summary>Class-rebalancing helpers that return indices into, or new rows for, a labelled dataset.</summary>
public static class Resampling
{
    /// <summary>
    /// Indices that bring every class up to the size of the largest: all of 0..n-1 in order, followed, class by
    /// class in ascending label order, by random repeats (with replacement) of that class's samples.
    /// </summary>
    public static int[] RandomOversample(IReadOnlyList<int> labels, ulong seed = 0)
    {
        var classes = GroupByClass(labels);
        int target = classes.Values.Max(m => m.Count);
        var g = new Generator(Seeds.Derive(seed, Seeds.ResampleStream, 0));
        var result = new List<int>(target * classes.Count);
        result.AddRange(Enumerable.Range(0, labels.Count));
        foreach (var members in classes.Values)
            for (int k = members.Count; k < target; k++) result.Add(members[(int)g.NextLong(members.Count)]);
        return result.ToArray();
    }

    /// <summary>
    /// Indices that bring every class down to the size of the smallest, chosen at random without replacement,
    /// returned in ascending order (dataset order).
    /// </summary>
    public static int[] RandomUndersample(IReadOnlyList<int> labels, ulong seed = 0)
    {
        var classes = GroupByClass(labels);
        int target = classes.Values.Min(m => m.Count);
        var g = new Generator(Seeds.Derive(seed, Seeds.ResampleStream, 1));
        var result = new List<int>(target * classes.Count);
        foreach (var members in classes.Values)
        {
            var pool = members.ToArray();
            Seeds.Shuffle<int>(pool, g);
            result.AddRange(pool[..target]);
        }
        result.Sort();
        return result.ToArray();
    }

    /// <summary>
    /// SMOTE: synthetic rows that bring every class up to the size of the largest. Each new row of class c is
    /// x + u (y - x) for a random sample x of c, one of its <paramref name="k"/> nearest neighbours y within c
    /// (Euclidean; fewer when c is small) and u uniform in [0, 1). Returns only the new rows, (m, D) in the dtype of
    /// <paramref name="features"/> (float32 for integer features), with their labels, classes in ascending order.
    /// </summary>
    public static (Tensor Features, int[] Labels) Smote(Tensor features, IReadOnlyList<int> labels, int k = 5, ulong seed = 0)
    {
        if (features.Rank != 2) throw new ArgumentException($"Smote: features must be (N, D), got shape {features.Shape}.", nameof(features));
        int n = features.Size(0), d = features.Size(1);
        if (labels.Count != n) throw new ArgumentException($"Smote: {labels.Count} labels for {n} feature rows.", nameof(labels));
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"Smote: k must be >= 1, got {k}.");
        double[] x;
        using (var f64 = features.To(DType.Float64)) x = f64.ToArray<double>();
        var classes = GroupByClass(labels);
        int target = classes.Values.Max(m => m.Count);
        var g = new Generator(Seeds.Derive(seed, Seeds.ResampleStream, 2));
        var rows = new List<double>();
        var newLabels = new List<int>();
        foreach (var (label, members) in classes)
        {
            int need = target - members.Count;
            if (need == 0) continue;
            if (members.Count < 2) throw new ArgumentException($"Smote: class {label} has {members.Count} sample; at least 2 are needed to interpolate.", nameof(labels));
            var neighbours = NearestNeighbours(x, d, members, Math.Min(k, members.Count - 1));
            for (int s = 0; s < need; s++)
            {
                int a = (int)g.NextLong(members.Count);
                int b = neighbours[a][(int)g.NextLong(neighbours[a].Length)];
                double u = g.NextDouble();
                int ra = members[a] * d, rb = members[b] * d;
                for (int j = 0; j < d; j++) rows.Add(x[ra + j] + u * (x[rb + j] - x[ra + j]));
                newLabels.Add(label);
            }
        }
        var outType = DTypes.IsFloatingPoint(features.DType) ? features.DType : DType.Float32;
        using var result = Tensor.FromArray(rows.ToArray(), newLabels.Count, d);
        return (result.To(outType), newLabels.ToArray());
    }

    // Member positions (into members) of each member's k nearest other members, nearest first (ties: lower position).
    private static int[][] NearestNeighbours(double[] x, int d, List<int> members, int k)
    {
        int m = members.Count;
        var result = new int[m][];
        var dist = new double[m];
        var order = new int[m];
        for (int a = 0; a < m; a++)
        {
            for (int b = 0; b < m; b++)
            {
                double s = 0;
                for (int j = 0; j < d; j++)
                {
                    double t = x[members[a] * d + j] - x[members[b] * d + j];
                    s += t * t;
                }
                dist[b] = b == a ? double.PositiveInfinity : s;
                order[b] = b;
            }
            Array.Sort(order, (p, q) => dist[p] != dist[q] ? dist[p].CompareTo(dist[q]) : p.CompareTo(q));
            result[a] = order[..k];
        }
        return result;
    }

    // Dataset indices of each label, labels ascending.
    private static SortedDictionary<int, List<int>> GroupByClass(IReadOnlyList<int> labels)
    {
        if (labels.Count == 0) throw new ArgumentException("Resampling: labels are empty.", nameof(labels));
        var classes = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < labels.Count; i++)
        {
            if (!classes.TryGetValue(labels[i], out var list)) classes[labels[i]] = list = [];
            list.Add(i);
        }
        return classes;
    }
}

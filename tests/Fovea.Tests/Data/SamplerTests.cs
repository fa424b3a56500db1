// Samplers yield the documented index sets and frequencies, reproducibly per (seed, epoch); the resampling
// helpers balance classes, and SMOTE's rows lie on segments between same-class nearest neighbours.
using Fovea.Data;
using Xunit;

namespace Fovea.Tests.Data;

public class SamplerTests
{
    private static int[] Take(ISampler s, int epoch = 0) => s.Indices(epoch).ToArray();

    private static double[] Frequencies(IEnumerable<int> draws, int classes, Func<int, int>? classOf = null)
    {
        var counts = new double[classes];
        int n = 0;
        foreach (int d in draws)
        {
            counts[classOf?.Invoke(d) ?? d]++;
            n++;
        }
        return counts.Select(c => c / n).ToArray();
    }

    [Fact]
    public void SequentialAndSubset()
    {
        Assert.Equal([0, 1, 2, 3, 4], Take(new SequentialSampler(5)));
        Assert.Equal([9, 2, 4], Take(new SubsetSampler([9, 2, 4])));
        var shuffled = new SubsetSampler([9, 2, 4, 11, 30, 6], shuffle: true, seed: 3);
        Assert.Equal([2, 4, 6, 9, 11, 30], Take(shuffled).Order());
        Assert.Equal(Take(shuffled, 5), Take(new SubsetSampler([9, 2, 4, 11, 30, 6], shuffle: true, seed: 3), 5));
    }

    [Fact]
    public void RandomIsAPermutationPerEpochReproduciblePerSeed()
    {
        var s = new RandomSampler(100, seed: 42);
        Assert.Equal(Enumerable.Range(0, 100), Take(s, 0).Order());
        Assert.NotEqual(Take(s, 0), Take(s, 1));
        Assert.Equal(Take(s, 1), Take(new RandomSampler(100, seed: 42), 1));
        Assert.NotEqual(Take(s, 0), Take(new RandomSampler(100, seed: 43), 0));

        var longer = Take(new RandomSampler(10, numSamples: 25, seed: 1));
        Assert.Equal(25, longer.Length);
        Assert.Equal(Enumerable.Range(0, 10), longer[..10].Order());
        Assert.Equal(Enumerable.Range(0, 10), longer[10..20].Order());
        Assert.Equal(5, longer[20..].Distinct().Count());

        var withReplacement = Take(new RandomSampler(10, replacement: true, numSamples: 5000, seed: 2));
        Assert.All(Frequencies(withReplacement, 10), f => Assert.InRange(f, 0.08, 0.12));
    }

    [Fact]
    public void WeightedFrequenciesFollowTheWeights()
    {
        var s = new WeightedRandomSampler([1, 2, 0, 3, 4], 40_000, seed: 5);
        var f = Frequencies(Take(s), 5);
        double[] expected = [0.1, 0.2, 0, 0.3, 0.4];
        for (int i = 0; i < 5; i++) Assert.InRange(f[i], expected[i] - 0.015, expected[i] + 0.015);
        Assert.Equal(0, f[2]);

        var without = Take(new WeightedRandomSampler([1, 2, 0, 3, 4], 4, replacement: false, seed: 6));
        Assert.Equal([0, 1, 3, 4], without.Order());
        Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([1, 0, 1], 3, replacement: false));
        Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([1, -1], 3));
    }

    [Fact]
    public void WeightedWithoutReplacementFavoursHeavyIndices()
    {
        // The first draw without replacement is distributed like one weighted draw.
        var first = Enumerable.Range(0, 8000).Select(e => new WeightedRandomSampler([1, 3], 2, replacement: false, seed: 9).Indices(e).First());
        Assert.InRange(Frequencies(first, 2)[1], 0.72, 0.78);
    }

    [Fact]
    public void ClassBalancedEqualisesClasses()
    {
        var labels = Enumerable.Repeat(0, 900).Concat(Enumerable.Repeat(1, 90)).Concat(Enumerable.Repeat(2, 10)).ToArray();
        var s = new ClassBalancedSampler(labels, numSamples: 30_000, seed: 4);
        Assert.Equal(30_000, s.Count);
        Assert.All(Frequencies(Take(s), 3, i => labels[i]), f => Assert.InRange(f, 1 / 3.0 - 0.015, 1 / 3.0 + 0.015));
    }

    [Theory]
    [InlineData(12, 4, false)]
    [InlineData(10, 3, false)]
    [InlineData(10, 3, true)]
    [InlineData(2, 3, false)]
    public void DistributedShardsAreEqualDisjointAndCovering(int n, int world, bool dropLast)
    {
        foreach (bool shuffle in new[] { false, true })
        {
            var shards = Enumerable.Range(0, world).Select(r => Take(new DistributedSampler(n, r, world, shuffle, seed: 8, dropLast: dropLast), 2)).ToArray();
            int each = dropLast ? n / world : (n + world - 1) / world;
            Assert.All(shards, s => Assert.Equal(each, s.Length));
            var all = shards.SelectMany(s => s).ToArray();
            if (dropLast)
                Assert.Equal(all.Length, all.Distinct().Count());                         // disjoint
            else
            {
                Assert.Equal(Enumerable.Range(0, n), all.Distinct().Order());            // covering
                Assert.Equal(Math.Min(n, all.Length), all.Distinct().Count());
                if (n % world == 0) Assert.Equal(n, all.Length);                         // disjoint when no padding
            }
        }
    }

    [Fact]
    public void DistributedMatchesTorchLayout()
    {
        // torch: indices 0..9 padded with 0, 1, then rank r takes indices[r::3].
        Assert.Equal([0, 3, 6, 9], Take(new DistributedSampler(10, 0, 3, shuffle: false)));
        Assert.Equal([1, 4, 7, 0], Take(new DistributedSampler(10, 1, 3, shuffle: false)));
        Assert.Equal([2, 5, 8, 1], Take(new DistributedSampler(10, 2, 3, shuffle: false)));
        Assert.Equal([2, 5, 8], Take(new DistributedSampler(10, 2, 3, shuffle: false, dropLast: true)));
        var a = Take(new DistributedSampler(50, 0, 2, seed: 1), 0);
        Assert.NotEqual(a, Take(new DistributedSampler(50, 0, 2, seed: 1), 1));
    }

    [Fact]
    public void BatchSamplerGroupsIndices()
    {
        var b = new BatchSampler(new SequentialSampler(7), 3);
        Assert.Equal(3, b.Count);
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6]], b.Batches(0).ToArray());
        var d = new BatchSampler(new SequentialSampler(7), 3, dropLast: true);
        Assert.Equal(2, d.Count);
        Assert.Equal(2, d.Batches(0).Count());
    }

    [Fact]
    public void OversamplingAndUndersamplingBalanceClasses()
    {
        int[] labels = [0, 0, 0, 0, 0, 1, 1, 2, 0, 1];
        var over = Resampling.RandomOversample(labels, seed: 1);
        Assert.Equal(Enumerable.Range(0, labels.Length), over[..labels.Length]);
        Assert.All(over.GroupBy(i => labels[i]), g => Assert.Equal(6, g.Count()));
        Assert.Equal(over, Resampling.RandomOversample(labels, seed: 1));

        var under = Resampling.RandomUndersample(labels, seed: 1);
        Assert.Equal(3, under.Length);
        Assert.Equal(under.Order(), under);
        Assert.Equal([0, 1, 2], under.Select(i => labels[i]).Order());
    }

    [Fact]
    public void SmoteRowsLieOnSegmentsToSameClassNeighbours()
    {
        const int k = 2;
        var rng = new Fovea.Random.Generator(3);
        int n = 30, d = 3;
        var x = new float[n * d];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() * 10;
        var labels = Enumerable.Range(0, n).Select(i => i < 20 ? 0 : i < 26 ? 1 : 2).ToArray();
        using var features = Tensor.FromArray(x, n, d);
        var (rows, newLabels) = Resampling.Smote(features, labels, k, seed: 5);
        Assert.Equal([14 + 16, d], rows.Shape.ToArray());     // class 1 needs 14 rows, class 2 needs 16
        Assert.Equal(Enumerable.Repeat(1, 14).Concat(Enumerable.Repeat(2, 16)), newLabels);
        var r = rows.ToArray<float>();
        float[] Row(float[] a, int i) => a[(i * d)..((i + 1) * d)];
        double Dist2(float[] a, float[] b) => a.Zip(b, (p, q) => (double)(p - q) * (p - q)).Sum();
        for (int s = 0; s < newLabels.Length; s++)
        {
            var p = Row(r, s);
            var members = Enumerable.Range(0, n).Where(i => labels[i] == newLabels[s]).ToArray();
            bool found = false;
            foreach (int a in members)
            {
                var neighbours = members.Where(b => b != a).OrderBy(b => Dist2(Row(x, a), Row(x, b))).Take(k);
                foreach (int b in neighbours)
                {
                    var xa = Row(x, a);
                    var xb = Row(x, b);
                    double u = Enumerable.Range(0, d).Sum(j => (p[j] - xa[j]) * (double)(xb[j] - xa[j])) / Dist2(xa, xb);
                    double off = Enumerable.Range(0, d).Sum(j => Math.Pow(xa[j] + u * (xb[j] - xa[j]) - p[j], 2));
                    found |= u >= -1e-5 && u <= 1 + 1e-5 && off < 1e-8;
                }
            }
            Assert.True(found, $"synthetic row {s} ({string.Join(", ", p)}) is on no segment to a {k}-nearest same-class neighbour");
        }
        var (again, _) = Resampling.Smote(features, labels, k, seed: 5);
        Assert.Equal(r, again.ToArray<float>());
    }

    [Fact]
    public void SmoteNeedsTwoSamplesPerMinorityClass()
    {
        using var features = Tensor.Zeros([4, 2]);
        Assert.Throws<ArgumentException>(() => Resampling.Smote(features, [0, 0, 0, 1]));
    }
}

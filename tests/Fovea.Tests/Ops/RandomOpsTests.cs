// Sampling and dropout: statistics within a few standard errors, reproducibility from a seed, results that do
// not depend on the thread count, dropout gradients, and argument errors.
using Fovea.Random;
using Fovea.Runtime.Threading;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class RandomOpsTests
{
    /// <summary>|mean - p| within 5 standard errors of a Bernoulli(p) mean over n draws.</summary>
    private static void AssertMeanNear(double expected, double[] values, double variance)
    {
        double mean = values.Average();
        double tol = 5 * Math.Sqrt(variance / values.Length);
        Assert.True(Math.Abs(mean - expected) <= tol, $"mean {mean}, expected {expected} +- {tol}");
    }

    [Fact]
    public void BernoulliMeanMatchesP()
    {
        const int n = 100_000;
        var p = Tensor.Full([n], 0.3, DType.Float64);
        var b = Tensor.Bernoulli(p, new Generator(1)).ToArray<double>();
        Assert.All(b, v => Assert.True(v is 0 or 1));
        AssertMeanNear(0.3, b, 0.3 * 0.7);
        var x = Tensor.Empty([n]).BernoulliInPlace(0.8, new Generator(2));
        AssertMeanNear(0.8, x.ToArray<float>().Select(v => (double)v).ToArray(), 0.8 * 0.2);
        var edges = Tensor.Bernoulli(Tensor.From(0f, 1f, 0f, 1f), new Generator(3));
        Assert.Equal(DType.Float32, edges.DType);
        Assert.Equal(new[] { 0f, 1f, 0f, 1f }, edges.ToArray<float>());
    }

    [Fact]
    public void SameSeedSameSamplesAndGeneratorAdvances()
    {
        var p = Tensor.Full([1000], 0.5);
        var a = Tensor.Bernoulli(p, new Generator(9)).ToArray<float>();
        Assert.Equal(a, Tensor.Bernoulli(p, new Generator(9)).ToArray<float>());
        Assert.NotEqual(a, Tensor.Bernoulli(p, new Generator(10)).ToArray<float>());
        var g = new Generator(9);
        var first = Tensor.Bernoulli(p, g).ToArray<float>();
        var second = Tensor.Bernoulli(p, g).ToArray<float>();
        Assert.Equal(a, first);
        Assert.NotEqual(first, second);
        var probs = Tensor.From(0.2f, 0.5f, 0.3f);
        Assert.Equal(Tensor.Multinomial(probs, 2, false, new Generator(4)).ToArray<long>(), Tensor.Multinomial(probs, 2, false, new Generator(4)).ToArray<long>());
        Assert.Equal(Tensor.RandPerm(50, new Generator(4)).ToArray<long>(), Tensor.RandPerm(50, new Generator(4)).ToArray<long>());
    }

    [Fact]
    public void ResultsDoNotDependOnThreadCount()
    {
        float[] Draw()
        {
            var p = Tensor.Rand([300, 500], generator: new Generator(5));
            var b = Tensor.Bernoulli(p, new Generator(6));
            var d = Tensor.Dropout(Tensor.Ones([200, 400]), 0.3, true, new Generator(7));
            var m = Tensor.Multinomial(p, 20, false, new Generator(8)).To(DType.Float32);
            var r = Tensor.Multinomial(p, 20, true, new Generator(8)).To(DType.Float32);
            return [.. b.ToArray<float>(), .. d.ToArray<float>(), .. m.ToArray<float>(), .. r.ToArray<float>()];
        }
        var one = Threads.With(1, Draw);
        Assert.Equal(one, Threads.With(4, Draw));
        Assert.Equal(one, Threads.With(3, Draw));
    }

    [Fact]
    public void MultinomialWithReplacementFollowsTheWeights()
    {
        var w = new[] { 1.0, 2.0, 0.0, 7.0 }; // unnormalised
        var s = Tensor.Multinomial(Tensor.FromArray(w), 20_000, replacement: true, new Generator(11)).ToArray<long>();
        Assert.Equal(20_000, s.Length);
        for (int j = 0; j < w.Length; j++)
        {
            double p = w[j] / 10;
            var hits = s.Select(v => v == j ? 1.0 : 0.0).ToArray();
            if (p == 0) Assert.Equal(0, hits.Sum());
            else AssertMeanNear(p, hits, p * (1 - p));
        }
    }

    [Fact]
    public void MultinomialWithoutReplacementDrawsDistinctCategories()
    {
        var probs = Tensor.FromArray(new[,] { { 0.1f, 0.0f, 0.4f, 0.5f }, { 0.25f, 0.25f, 0.25f, 0.25f } });
        var s = Tensor.Multinomial(probs, 3, generator: new Generator(12));
        Assert.Equal(new Shape(2, 3), s.Shape);
        var rows = s.ToArray<long>().Chunk(3).ToArray();
        Assert.Equal([0, 2, 3], rows[0].Order().ToArray());
        Assert.Equal(3, rows[1].Distinct().Count());
        // The first draw is distributed like the weights.
        var g = new Generator(13);
        var firsts = Enumerable.Range(0, 4000).Select(_ => Tensor.Multinomial(probs[0], 1, false, g).ToArray<long>()[0]).ToArray();
        AssertMeanNear(0.5, firsts.Select(v => v == 3 ? 1.0 : 0.0).ToArray(), 0.25);
        Assert.DoesNotContain(1L, firsts);
    }

    [Fact]
    public void RandPermIsAPermutation()
    {
        var p = Tensor.RandPerm(1000, new Generator(14));
        Assert.Equal(DType.Int64, p.DType);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), p.ToArray<long>().Order());
        Assert.NotEqual(Enumerable.Range(0, 1000).Select(i => (long)i), p.ToArray<long>());
        Assert.Empty(Tensor.RandPerm(0).ToArray<long>());
        // Element 0 lands in the first half about half of the time.
        var g = new Generator(15);
        var firstHalf = Enumerable.Range(0, 4000).Select(_ => Array.IndexOf(Tensor.RandPerm(10, g).ToArray<long>(), 0L) < 5 ? 1.0 : 0.0).ToArray();
        AssertMeanNear(0.5, firstHalf, 0.25);
    }

    [Fact]
    public void DropoutScalesKeptElementsAndItsGradientUsesTheMask()
    {
        const double p = 0.4;
        var x = Tensor.Randn([50_000], DType.Float64, new Generator(16)).RequiresGrad_();
        var y = Tensor.Dropout(x, p, training: true, new Generator(17));
        var xs = x.ToArray<double>();
        var ys = y.ToArray<double>();
        var dropped = ys.Select(v => v == 0 ? 1.0 : 0.0).ToArray();
        AssertMeanNear(p, dropped, p * (1 - p));
        for (int i = 0; i < xs.Length; i++)
            if (ys[i] != 0) Assert.Equal(xs[i] / (1 - p), ys[i], 12);
        y.Sum().Backward();
        var gx = x.Grad!.ToArray<double>();
        for (int i = 0; i < xs.Length; i++) Assert.Equal(ys[i] == 0 ? 0 : 1 / (1 - p), gx[i], 12);

        Assert.Equal(xs, Tensor.Dropout(x, p, training: false).ToArray<double>());
        Assert.All(Tensor.Dropout(x, 1.0, true).ToArray<double>(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Dropout2dDropsWholeChannels()
    {
        var x = Tensor.Ones([8, 16, 3, 3]);
        var y = Tensor.Dropout2d(x, 0.5, true, new Generator(18)).ToArray<float>();
        var channels = y.Chunk(9).ToArray();
        Assert.All(channels, c => Assert.True(c.All(v => v == 0) || c.All(v => v == 2), string.Join(",", c)));
        int zeros = channels.Count(c => c[0] == 0);
        Assert.InRange(zeros, 32, 96); // 128 channels, p = 0.5
    }

    [Fact]
    public void AlphaDropoutKeepsZeroMeanUnitVariance()
    {
        var x = Tensor.Randn([100_000], DType.Float64, new Generator(19)).RequiresGrad_();
        var y = Tensor.AlphaDropout(x, 0.2, true, new Generator(20));
        var v = y.ToArray<double>();
        double mean = v.Average(), var = v.Select(a => (a - mean) * (a - mean)).Average();
        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange(var, 0.97, 1.03);
        y.Sum().Backward();
        // The gradient is a (kept) or 0 (dropped).
        Assert.Equal(2, x.Grad!.ToArray<double>().Distinct().Count());
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Bernoulli(Tensor.From(0.5f, 1.5f)));
        Assert.Throws<ArgumentException>(() => Tensor.Bernoulli(Tensor.Zeros([2], DType.Int64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Empty([2]).BernoulliInPlace(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Dropout(Tensor.Ones([2]), 1.5));
        Assert.Throws<ArgumentException>(() => Tensor.Dropout2d(Tensor.Ones([2]), 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Multinomial(Tensor.From(0.5f, 0.5f), 3));
        Assert.Contains("positive weight", Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.From(0.5f, 0f, 0.5f), 3)).Message);
        Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.From(0.5f, -0.1f), 1, true));
        Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.Zeros([2, 2, 2]), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.RandPerm(-1));
    }
}

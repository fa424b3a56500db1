// The packed SGEMM against the scalar reference (in float64) on sizes that hit every edge case, for every
// SIMD level and transpose combination, and bitwise identity across thread counts.
using Fovea.Kernels.Cpu;
using Fovea.Runtime.Threading;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Kernels;

[Collection(Fovea.Tests.Memory.SerialCollection.Name)] // changes global kernel settings
public class GemmTests
{
    private static float[] Rand(int n, int seed)
    {
        var r = new System.Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
    }

    private static void Check(SimdLevel level, bool ta, bool tb, int m, int n, int k, float alpha, float beta, int pad)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = Rand((ta ? k : m) * lda, 1);
        var b = Rand((tb ? n : k) * ldb, 2);
        var c = Rand(m * ldc, 3);
        var want = c.Select(v => (double)v).ToArray();
        GemmReference.Gemm(ta, tb, m, n, k, alpha, a.Select(v => (double)v).ToArray(), lda, b.Select(v => (double)v).ToArray(), ldb, beta, want, ldc);
        var old = Sgemm.Level;
        Sgemm.Level = level;
        try { Sgemm.Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); }
        finally { Sgemm.Level = old; }
        // float32 accumulation of k products in [-1, 1]: error grows like sqrt(k) * eps.
        double tol = 1e-5 * Math.Sqrt(k + 1) * 4;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(c[i * ldc + j] - want[i * ldc + j]) <= tol * (1 + Math.Abs(want[i * ldc + j])),
                    $"{level} ta={ta} tb={tb} {m}x{n}x{k}: C[{i},{j}] = {c[i * ldc + j]}, expected {want[i * ldc + j]}");
        for (int i = 0; i < m; i++) // padding columns untouched
            for (int j = n; j < ldc; j++) Assert.Equal((float)want[i * ldc + j], c[i * ldc + j]);
    }

    public static TheoryData<int, int, int> Sizes => new()
    {
        { 1, 1, 1 }, { 7, 9, 15 }, { 14, 32, 8 }, { 15, 33, 17 }, { 16, 16, 16 }, { 17, 65, 31 }, { 63, 64, 65 },
        { 100, 129, 257 }, { 129, 100, 300 }, { 64, 3136 / 8, 576 / 4 }, { 230, 49, 520 }, { 3, 2100, 33 },
        { 32, 9, 2352 }, { 40, 5, 70 }, { 300, 15, 40 }, { 1, 1000, 130 }, { 1, 70, 300 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MatchesReferenceOnEveryPath(int m, int n, int k)
    {
        foreach (var level in new[] { SimdLevel.Avx512, SimdLevel.Avx2, SimdLevel.Scalar }.Where(l => l <= CpuFeatures.Best))
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    Check(level, ta, tb, m, n, k, 1, 0, 0);
    }

    [Fact]
    public void AlphaBetaAndLeadingDimensions()
    {
        foreach (var level in new[] { SimdLevel.Avx512, SimdLevel.Avx2 }.Where(l => l <= CpuFeatures.Best))
        {
            Check(level, false, true, 37, 45, 70, 0.5f, 2f, 3);
            Check(level, true, false, 37, 45, 70, -1f, 1f, 5);
            Check(level, false, true, 37, 45, 300, 1.5f, 0f, 2);
            Check(level, false, false, 29, 70, 530, -0.5f, 0f, 1);
        }
    }

    [Fact]
    public void BetaZeroIgnoresWhatCHeld()
    {
        foreach (var level in new[] { SimdLevel.Avx512, SimdLevel.Avx2, SimdLevel.Scalar }.Where(l => l <= CpuFeatures.Best))
        {
            int m = 20, n = 40, k = 300;
            var a = Rand(m * k, 6);
            var b = Rand(k * n, 7);
            var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
            var old = Sgemm.Level;
            Sgemm.Level = level;
            try { Sgemm.Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n); }
            finally { Sgemm.Level = old; }
            Assert.All(c, v => Assert.False(float.IsNaN(v), $"{level}: NaN left in C with beta = 0"));
        }
    }

    [Fact]
    public void ResultsAreBitwiseIdenticalForAnyThreadCount()
    {
        int m = 300, n = 500, k = 700;
        var a = Rand(m * k, 4);
        var b = Rand(k * n, 5);
        float[] Run()
        {
            var c = new float[m * n];
            Sgemm.Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
            return c;
        }
        var one = Threads.With(1, Run);
        Assert.Equal(one, Threads.With(2, Run));
        Assert.Equal(one, Threads.With(3, Run));
    }

    [Fact]
    public void ShortSpansAreRejectedWithTheArgumentNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => Sgemm.Gemm(false, false, 4, 4, 4, 1, new float[15], 4, new float[16], 4, 0, new float[16], 4));
        Assert.Contains("a holds 15 elements", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Gemm(false, false, -1, 4, 4, 1, new float[16], 4, new float[16], 4, 0, new float[16], 4));
    }

    [Theory]
    [InlineData(37, 50, 1100)]   // two K slices, edge tiles in both directions
    [InlineData(64, 3136, 576)]
    [InlineData(512, 49, 300)]
    [InlineData(5, 7, 9)]
    public unsafe void PrepackedAWithEpilogueMatchesTheSeparateOps(int m, int n, int k)
    {
        foreach (var level in new[] { SimdLevel.Avx512, SimdLevel.Avx2 }.Where(l => l <= CpuFeatures.Best))
        {
            var a = Rand(m * k, 8);
            var b = Rand(k * n, 9);
            var bias = Rand(m, 10);
            var res = Rand(m * n, 11);
            res[3] = float.NaN;   // NaN passes through the clamp, as torch.relu and clamp let it
            var old = Sgemm.Level;
            Sgemm.Level = level;
            try
            {
                // The separate ops: C = A B, + bias per row, + residual, clamp to [0, 6].
                var want = new float[m * n];
                Sgemm.Gemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        float v = want[i * n + j] + bias[i] + res[i * n + j];
                        want[i * n + j] = float.IsNaN(v) ? v : Math.Clamp(v, 0f, 6f);
                    }
                using var packed = PackedA.Create(false, m, k, a, k)!;
                var got = Enumerable.Repeat(float.NaN, m * n).ToArray();
                fixed (float* pb = bias, pr = res)
                    Sgemm.Gemm(packed, n, b, n, got, n, new GemmEpilogue(pb, pr, 0, 6));
                // Same FMA order as the unpacked GEMM (when it does not take the reference or transposed route), then the
                // same adds: equal to rounding.
                for (int i = 0; i < m * n; i++)
                    Assert.True(float.IsNaN(want[i]) ? float.IsNaN(got[i]) : Math.Abs(got[i] - want[i]) <= 1e-5f * (1 + Math.Abs(want[i])),
                        $"{level} {m}x{n}x{k}: C[{i}] = {got[i]}, expected {want[i]}");
                var plain = new float[m * n];
                Sgemm.Gemm(packed, n, b, n, plain, n, default);
                var direct = new float[m * n];
                Sgemm.Gemm(false, false, m, n, k, 1, a, k, b, n, 0, direct, n);
                for (int i = 0; i < m * n; i++) Assert.True(Math.Abs(plain[i] - direct[i]) <= 1e-5f * (1 + Math.Abs(direct[i])), $"{level}: no epilogue, C[{i}]");
            }
            finally { Sgemm.Level = old; }
        }
    }

    [Fact]
    public unsafe void RowOffsetBMatchesTheGatheredMatrix()
    {
        // B's rows anywhere in a buffer (a convolution's taps in its padded image): read in place for full 32-column
        // slivers on AVX-512, packed elsewhere; with and without pre-packed A.
        int m = 37, n = 70, k = 50, span = 4000;
        var a = Rand(m * k, 12);
        var source = Rand(span, 13);
        var offsets = Enumerable.Range(0, k).Select(p => (long)((p * 977) % (span - n))).ToArray();
        var dense = new float[k * n];
        for (int p = 0; p < k; p++) Array.Copy(source, offsets[p], dense, p * n, n);
        foreach (var level in new[] { SimdLevel.Avx512, SimdLevel.Avx2 }.Where(l => l <= CpuFeatures.Best))
        {
            var old = Sgemm.Level;
            Sgemm.Level = level;
            try
            {
                var want = new float[m * n];
                Sgemm.Gemm(false, false, m, n, k, 1, a, k, dense, n, 0, want, n);
                using var packed = PackedA.Create(false, m, k, a, k)!;
                foreach (var pre in new[] { packed, null })
                {
                    var got = new float[m * n];
                    fixed (float* pa = a, ps = source, pc = got)
                    fixed (long* po = offsets)
                        Sgemm.GemmRowOffsets(m, n, k, pre, pa, ps, po, pc, n, default);
                    for (int i = 0; i < m * n; i++) Assert.True(Math.Abs(got[i] - want[i]) <= 1e-5f * (1 + Math.Abs(want[i])), $"{level} packed={pre != null}: C[{i}] = {got[i]}, expected {want[i]}");
                }
            }
            finally { Sgemm.Level = old; }
        }
    }
}

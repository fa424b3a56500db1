// GEMMs whose A never changes (an inference convolution's weights): PackedA packs A once, K slice by K slice, in the
// sliver layout Run's tasks would otherwise pack on every call, so a call only packs B. An epilogue (a bias per row
// of C, a residual laid out like C, then a clamp: ReLU is [0, inf), ReLU6 [0, 6]) finishes each tile of C right after
// its last K slice, while the tile is still in L1, instead of in separate passes over C. The arithmetic is the
// unfused ops' in the same order: ((acc + bias) + residual) clamped, so results are bitwise those of the separate ops.
// The AVX-512 micro-kernels apply it to full tiles in registers; an epilogue that writes elsewhere (a convolution's
// output planes from its "wide" GEMM) takes each tile from a scratch tile in L1 when K is a single slice.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fovea.Kernels.Cpu;

/// <summary>
/// What a GEMM does to each finished element of C: + bias[row], + residual, then clamp to [Min, Max]; written back to C,
/// or (<see cref="ToPlanes"/>) to the valid columns of a "wide" C's output planes.
/// </summary>
internal readonly unsafe struct GemmEpilogue
{
    private readonly nint _bias, _residual, _output;
    private readonly float _min, _max;
    private readonly int _wideWidth, _width, _plane;
    private readonly bool _active;

    /// <param name="bias">One value per row of C, or null.</param>
    /// <param name="residual">An array laid out like the result (C, or the output planes of <see cref="ToPlanes"/>), or null.</param>
    public GemmEpilogue(float* bias, float* residual, float min = float.NegativeInfinity, float max = float.PositiveInfinity)
    {
        (_bias, _residual, _min, _max) = ((nint)bias, (nint)residual, min, max);
        _active = bias != null || residual != null || !float.IsNegativeInfinity(min) || !float.IsPositiveInfinity(max);
    }

    private GemmEpilogue(GemmEpilogue e, float* output, int wideWidth, int width, int plane)
    {
        this = e;
        (_output, _wideWidth, _width, _plane, _active) = ((nint)output, wideWidth, width, plane, true);
    }

    /// <summary>
    /// The same finish, written elsewhere: row r of C is an output plane whose rows lie <paramref name="wideWidth"/>
    /// columns apart, the first <paramref name="width"/> of each valid (a convolution's "wide" output, ImplicitGemm.cs);
    /// column q = oh * wideWidth + ow goes to <paramref name="output"/>[r * plane + oh * width + ow], the rest is dropped.
    /// </summary>
    public GemmEpilogue ToPlanes(float* output, int wideWidth, int width, int plane) => new(this, output, wideWidth, width, plane);

    /// <summary>Whether the result goes to output planes (<see cref="ToPlanes"/>) rather than back to C.</summary>
    public bool WritesElsewhere => _output != 0;

    /// <summary>Whether there is something to do and the result stays in C (a micro-kernel may then finish its tile in registers).</summary>
    public bool InPlace => _active && _output == 0;

    /// <summary>
    /// Row <paramref name="i"/> of a 32-column tile at c (row <paramref name="row0"/>, column <paramref name="col0"/> of C)
    /// from its accumulators: alpha * acc (+ C unless <paramref name="store"/>), then finished and stored; the same
    /// operations, in the same order, as storing the tile and then <see cref="Apply"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(float* c, int ldc, int row0, int col0, int i, Vector512<float> lo, Vector512<float> hi, Vector512<float> alpha, bool store)
    {
        float* row = c + (long)i * ldc, r = (float*)_residual + (long)(row0 + i) * ldc + col0;
        var v0 = store ? lo * alpha : Vector512.FusedMultiplyAdd(lo, alpha, Vector512.Load(row));
        var v1 = store ? hi * alpha : Vector512.FusedMultiplyAdd(hi, alpha, Vector512.Load(row + 16));
        var bias = Bias(row0 + i);
        Finished(v0, bias, _residual == 0 ? default : Vector512.Load(r)).Store(row);
        Finished(v1, bias, _residual == 0 ? default : Vector512.Load(r + 16)).Store(row + 16);
    }

    // v + bias + residual (each only where there is one), clamped: one vector's finish, in the separate ops' order.
    // Vector512.Max and Min propagate NaN, as torch.clamp does.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector512<float> Finished(Vector512<float> v, Vector512<float> bias, Vector512<float> residual)
    {
        if (_bias != 0) v += bias;
        if (_residual != 0) v += residual;
        if (!float.IsNegativeInfinity(_min)) v = Vector512.Max(v, Vector512.Create(_min));
        if (!float.IsPositiveInfinity(_max)) v = Vector512.Min(v, Vector512.Create(_max));
        return v;
    }

    // Row `row` of C's bias, broadcast (zero without a bias: Finished then skips it).
    private Vector512<float> Bias(int row) => _bias == 0 ? default : Vector512.Create(((float*)_bias)[row]);

    /// <summary>True for an epilogue that changes nothing (and for default(GemmEpilogue)).</summary>
    public bool IsNone => !_active;

    /// <summary>Finishes the rows x cols tile at c: row <paramref name="row0"/>, column <paramref name="col0"/> of C.</summary>
    public void Apply(float* c, int ldc, int row0, int col0, int rows, int cols)
    {
        if (_output != 0 && Avx512F.IsSupported)
        {
            ApplyToPlanes(c, ldc, row0, col0, rows, cols);
            return;
        }
        float* res = (float*)_residual;
        for (int i = 0; i < rows; i++)
        {
            float* src = c + (long)i * ldc;
            if (_output == 0)
            {
                Finish(src, src, res == null ? null : res + (long)(row0 + i) * ldc + col0, row0 + i, cols);
                continue;
            }
            long plane = (long)(row0 + i) * _plane;
            float* dst = (float*)_output + plane, r = res == null ? null : res + plane;
            for (int q = col0, end = col0 + cols; q < end;)
            {
                int oh = q / _wideWidth, ow = q - oh * _wideWidth;
                if (ow >= _width)
                {
                    q = (oh + 1) * _wideWidth;
                    continue;
                }
                int n = Math.Min(_width - ow, end - q), at = oh * _width + ow;
                Finish(src + (q - col0), dst + at, r == null ? null : r + at, row0 + i, n);
                q += n;
            }
        }
    }

    // Apply for ToPlanes on AVX-512. The valid columns of a wide row are consecutive in the output plane (its rows follow
    // each other), so each 16 columns of the tile are compressed to their valid lanes and stored at one place; which
    // lanes and where depend only on the columns, so they are worked out once for all the tile's rows.
    private void ApplyToPlanes(float* c, int ldc, int row0, int col0, int rows, int cols)
    {
        float* res = (float*)_residual, output = (float*)_output;
        for (int j = 0; j < cols; j += 16)
        {
            int q = col0 + j, n = Math.Min(16, cols - j);
            int oh = q / _wideWidth, ow = q - oh * _wideWidth, at = oh * _width + Math.Min(ow, _width);
            // Lane l is column ow + l of the wide row, wrapped into the next rows; valid when left of width (and < n).
            var column = Vector512<int>.Indices + Vector512.Create(ow);
            var wideWidth = Vector512.Create(_wideWidth);
            for (int wraps = 16 / _wideWidth + 1; wraps > 0; wraps--)
                column -= Vector512.GreaterThanOrEqual(column, wideWidth) & wideWidth;
            var keep = (Vector512.LessThan(column, Vector512.Create(_width)) & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n))).AsSingle();
            int count = BitOperations.PopCount(keep.ExtractMostSignificantBits());
            if (count == 0) continue;
            if (count == 16)
            {
                // All 16 columns valid: plain loads and stores.
                for (int i = 0; i < rows; i++)
                {
                    long to = (long)(row0 + i) * _plane + at;
                    var v = Vector512.Load(c + (long)i * ldc + j);
                    Finished(v, Bias(row0 + i), res == null ? default : Vector512.Load(res + to)).Store(output + to);
                }
                continue;
            }
            var first = LaneMask.First(count);
            var loaded = LaneMask.First(n);
            for (int i = 0; i < rows; i++)
            {
                float* src = c + (long)i * ldc + j;
                var v = n == 16 ? Vector512.Load(src) : Avx512F.MaskLoad(src, loaded, Vector512<float>.Zero);
                v = Avx512F.Compress(Vector512<float>.Zero, keep, v);
                long to = (long)(row0 + i) * _plane + at;
                var residual = res == null ? default : Avx512F.MaskLoad(res + to, first, Vector512<float>.Zero);
                Avx512F.MaskStore(output + to, first, Finished(v, Bias(row0 + i), residual));
            }
        }
    }

    // dst[j] = clamp(src[j] + bias + res[j]) for j < n (row `row` of C's bias): on AVX-512 16 at a time, the last lanes
    // masked.
    private void Finish(float* src, float* dst, float* res, int row, int n)
    {
        if (!Avx512F.IsSupported)
        {
            float bias = _bias == 0 ? 0f : ((float*)_bias)[row];
            for (int i = 0; i < n; i++)
            {
                float v = src[i];
                if (_bias != 0) v += bias;
                if (res != null) v += res[i];
                if (!float.IsNegativeInfinity(_min)) v = float.IsNaN(v) ? v : Math.Max(v, _min);
                if (!float.IsPositiveInfinity(_max)) v = float.IsNaN(v) ? v : Math.Min(v, _max);
                dst[i] = v;
            }
            return;
        }
        var b = Bias(row);
        int j = 0;
        for (; j + 16 <= n; j += 16)
            Finished(Vector512.Load(src + j), b, res == null ? default : Vector512.Load(res + j)).Store(dst + j);
        if (j < n)
        {
            // The last lanes masked (a mask only here: masked moves in the main loop cost several times a plain one).
            var mask = LaneMask.First(n - j);
            var residual = res == null ? default : Avx512F.MaskLoad(res + j, mask, Vector512<float>.Zero);
            Avx512F.MaskStore(dst + j, mask, Finished(Avx512F.MaskLoad(src + j, mask, Vector512<float>.Zero), b, residual));
        }
    }
}

/// <summary>op(A) (m x k) packed once for <see cref="Sgemm.Gemm(PackedA, int, ReadOnlySpan{float}, int, Span{float}, int, GemmEpilogue)"/>.</summary>
internal sealed unsafe class PackedA : IDisposable
{
    private float* _data;

    private PackedA(int m, int k, SimdLevel level, float* data)
    {
        (M, K, Level) = (m, k, level);
        _data = data;
    }

    public int M { get; }
    public int K { get; }
    /// <summary>The micro-kernel family the layout was made for; a GEMM under another level needs a new pack.</summary>
    public SimdLevel Level { get; }
    internal float* Data => _data;

    /// <summary>Packs op(A); null where the SIMD GEMM is not in use (the caller then multiplies A directly).</summary>
    public static PackedA? Create(bool transA, int m, int k, ReadOnlySpan<float> a, int lda)
    {
        GemmReference.Validate("PackedA", transA, false, m, 1, k, a.Length, lda, k, 1, m, 1);
        var level = Sgemm.Level;
        if (level == SimdLevel.Scalar || m == 0 || k == 0) return null;
        int mr = Sgemm.RowsPerTile(level, m), kc = Sgemm.SliceK(k), mPadded = (m + mr - 1) / mr * mr;
        float* data = (float*)NativeMemory.AlignedAlloc((nuint)mPadded * (nuint)k * 4, 64);
        fixed (float* pa = a)
            for (int p0 = 0; p0 < k; p0 += kc)
                Sgemm.PackA(transA, pa, lda, 0, p0, m, Math.Min(kc, k - p0), mr, data + (long)p0 * mPadded);
        return new PackedA(m, k, level, data);
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_data);
        _data = null;
        GC.SuppressFinalize(this);
    }

    ~PackedA() => NativeMemory.AlignedFree(_data);
}

internal static unsafe partial class Sgemm
{
    /// <summary>C (m x n) = A B, A pre-packed, finished by <paramref name="epilogue"/> (beta = 0: C is only written).</summary>
    public static void Gemm(PackedA a, int n, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, GemmEpilogue epilogue)
    {
        GemmReference.Validate("Sgemm", false, false, a.M, n, a.K, a.M * a.K, a.K, b.Length, ldb, c.Length, ldc);
        if (a.Level != Level) throw new InvalidOperationException($"Sgemm: A was packed for {a.Level}, the GEMM runs {Level}; pack it again.");
        if (n == 0) return;
        fixed (float* pb = b, pc = c)
            Run(Level, false, false, a.M, n, a.K, 1, null, a.K, pb, ldb, 0, pc, ldc, a.Data, epilogue, null);
        GC.KeepAlive(a);
    }

    /// <summary>
    /// C (m x n) = A B where row p of B starts at <paramref name="b"/> + <paramref name="bRows"/>[p] with unit column
    /// stride: a stride-1 convolution's taps as shifted views of its zero-padded image (Convolution/ImplicitGemm.cs).
    /// A is <paramref name="packed"/> or, when that is null, the row-major <paramref name="a"/> (m x k). On AVX-512 the
    /// micro-kernel reads B's full 32-column slivers where they are; the narrower last one is packed, unless
    /// <paramref name="readsPastN"/> says every row of B may be read up to 32 floats past column n (finite values there
    /// only reach C's columns past n, which are not stored).
    /// </summary>
    internal static void GemmRowOffsets(int m, int n, int k, PackedA? packed, float* a, float* b, long* bRows, float* c, int ldc,
        GemmEpilogue epilogue, bool readsPastN = false)
    {
        if (packed != null && (packed.M != m || packed.K != k || packed.Level != Level))
            throw new ArgumentException($"Sgemm: A was packed as {packed.M}x{packed.K} for {packed.Level}, the GEMM is {m}x{k} on {Level}.");
        if (Level == SimdLevel.Scalar) throw new InvalidOperationException("Sgemm: row-offset B needs the SIMD GEMM.");
        if (m == 0 || n == 0 || k == 0) return;
        Run(Level, false, false, m, n, k, 1, a, k, b, 0, 0, c, ldc, packed == null ? null : packed.Data, epilogue, bRows, readsPastN);
        GC.KeepAlive(packed);
    }

    /// <summary>The K slice length Run uses for depth k (equal slices of at most KC).</summary>
    internal static int SliceK(int k) => (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC);
}

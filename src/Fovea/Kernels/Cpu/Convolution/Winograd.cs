// 3x3 stride-1 convolutions by Winograd's minimal filtering F(4x4, 3x3) (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", CVPR 2016): a 4x4 block of output is B^T-transformed 6x6 input times G-transformed
// 3x3 weights, element by element, A^T-transformed back: 36 multiplications per (input, output) channel pair where
// direct convolution takes 144. Summed over input channels, each of the 36 element positions ("points") is a GEMM:
//   M[p] (O x tiles) = U[p] (O x C) V[p] (C x tiles),   U[p] = (G w G^T)[p] packed once (ConvWeightPack),
//   V[p] = (B^T d B)[p] for every 6x6 input tile d,       y tile = A^T M A (+ bias, residual, clamp).
// The input transform runs on 16 tiles at once, one vector lane per tile: 16 of a tile row, or 8 or 4 of each of 2
// or 4 tile rows when rows have that few tiles. Padded input rows are split by column mod 4 (the tiles' k-th columns
// are then one vector). The output transform runs on 16 output channels at once (one lane each), transposed back.
// Rounding differs from direct convolution by a few float32 ulps of the largest transformed terms (tests bound it).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal static unsafe class Winograd
{
    public const int Points = 36;   // 6 x 6 transformed elements per tile
    private const int TilesPerVector = 16, ColumnsPerVector = 4 * TilesPerVector;

    /// <summary>
    /// 3x3 stride-1 undilated single-group 2-d convolutions on AVX-512 with enough channels for the products to
    /// outweigh the transforms, and planes of at least 10 x 10 outputs: smaller ones (ResNet's 7 x 7 x 512) have too
    /// few tiles to reuse each transformed weight, four times the size of the weights themselves, out of cache.
    /// </summary>
    public static bool Handles(ConvGeometry g) =>
        Enabled && Sgemm.Level == SimdLevel.Avx512 && Avx512F.IsSupported && g.D == 1 && g.KD == 1 && g.KH == 3 && g.KW == 3
        && g.Stride == new Size2(1, 1) && g.Dilation == new Size2(1, 1) && g.Groups == 1 && g.C >= 32 && g.O >= 32 && g.OH * g.OW >= 100;

    /// <summary>Off: those convolutions take the implicit GEMM (tests and benchmarks compare the two).</summary>
    internal static bool Enabled { get; set; } = true;

    // G (6 x 3): the weight transform U = G w G^T.
    private static readonly double[] G =
    [
        1 / 4.0, 0, 0,
        -1 / 6.0, -1 / 6.0, -1 / 6.0,
        -1 / 6.0, 1 / 6.0, -1 / 6.0,
        1 / 24.0, 1 / 12.0, 1 / 6.0,
        1 / 24.0, -1 / 12.0, 1 / 6.0,
        0, 0, 1,
    ];

    /// <summary>U[p] = G w G^T for weights (o, c, 3, 3), laid out for the micro-kernel (<see cref="WinogradWeights"/>).</summary>
    public static WinogradWeights Pack(ReadOnlySpan<float> w, int outChannels, int inChannels)
    {
        var u = new WinogradWeights(outChannels, inChannels);
        Span<double> gw = stackalloc double[18];
        for (int o = 0; o < outChannels; o++)
            for (int c = 0; c < inChannels; c++)
            {
                var k = w.Slice((o * inChannels + c) * 9, 9);
                for (int a = 0; a < 6; a++)
                    for (int j = 0; j < 3; j++)
                        gw[a * 3 + j] = G[a * 3] * k[j] + G[a * 3 + 1] * k[3 + j] + G[a * 3 + 2] * k[6 + j];
                for (int a = 0; a < 6; a++)
                    for (int b = 0; b < 6; b++)
                        u.At(a * 6 + b, o / 32)[c * 32 + o % 32] = (float)(gw[a * 3] * G[b * 3] + gw[a * 3 + 1] * G[b * 3 + 1] + gw[a * 3 + 2] * G[b * 3 + 2]);
            }
        return u;
    }

    [ThreadStatic] private static float[]? _v, _m, _shared;

    /// <summary>
    /// y (N, O, OH, OW) = clamp(conv(x) + bias + residual) for x (N, C, H, W), weights transformed by <see cref="Pack"/>.
    /// The tiles of all images are numbered in order and cut into slivers of the micro-kernel's rows (14 or 8 tiles),
    /// the slivers into groups whose V stays in L2. A task takes a group and a range of output channels: it transforms
    /// the group's input, then for each 32 channels runs the 36 points' products (each point's weights once for the
    /// whole group) and transforms them back into y. With fewer groups than threads the output channels are split
    /// instead, so each task reads its share of the weights (the larger operand then) once, and the input is transformed
    /// first by all threads, a share of the input channels each.
    /// </summary>
    public static void Forward(float* x, ConvGeometry g, WinogradWeights u, float* bias, float* residual, float* y, float min, float max)
    {
        int tilesH = (g.OH + 3) / 4, tilesW = (g.OW + 3) / 4, perImage = tilesH * tilesW, tiles = g.N * perImage;
        int mr = Sgemm.RowsPerTile(SimdLevel.Avx512, tiles), slivers = (tiles + mr - 1) / mr;
        long sliverFloats = (long)Points * g.C * mr;
        const long GroupFloats = 160 * 1024;   // a group's V: 640 KB of the 1 MB L2
        int threads = WorkerPool.ThreadCount, perGroup = (int)Math.Max(1, GroupFloats / sliverFloats);
        int groups = (slivers + perGroup - 1) / perGroup;
        if (groups > 1) groups = Math.Min(slivers, (groups + threads - 1) / threads * threads);
        int ranges = groups >= threads ? 1 : Math.Min(u.OSlivers, (threads + groups - 1) / groups);
        var shape = new Layout(g, tilesH, tilesW, mr, sliverFloats);
        // With several channel ranges, V of all tiles, shared by the tasks.
        var shared = ranges > 1 ? ThreadBuffer.Grow(ref _shared, slivers * sliverFloats) : null;
        fixed (float* ps = shared)
            Run(x, g, u, shape, groups, ranges, shared == null ? null : ps, bias, residual, y, min, max);
    }

    private static void Run(float* x, ConvGeometry g, WinogradWeights u, Layout shape, int groups, int ranges, float* shared, float* bias, float* residual,
        float* y, float min, float max)
    {
        int mr = shape.Mr, tiles = g.N * shape.PerImage, slivers = (tiles + mr - 1) / mr, threads = WorkerPool.ThreadCount;
        long sliverFloats = shape.SliverFloats;
        nint X = (nint)x, Y = (nint)y, Bias = (nint)bias, Res = (nint)residual, Shared = (nint)shared;
        if (Shared != 0)
        {
            int chunks = Math.Min(g.C, 8 * threads);
            WorkerPool.For(chunks, k => TransformInput((float*)X, shape, 0, tiles, (float*)Shared, k * g.C / chunks, (k + 1) * g.C / chunks));
        }
        WorkerPool.For(groups * ranges, task =>
        {
            int group = task / ranges, range = task % ranges;
            int s0 = (int)((long)group * slivers / groups), s1 = (int)((long)(group + 1) * slivers / groups);
            int so0 = range * u.OSlivers / ranges, so1 = (range + 1) * u.OSlivers / ranges;
            var v = Shared != 0 ? null : ThreadBuffer.Grow(ref _v, (s1 - s0) * sliverFloats);
            long mSliver = Points * mr * 32;
            var m = ThreadBuffer.Grow(ref _m, (s1 - s0) * mSliver);
            fixed (float* own = v, pm = m)
            {
                float* pv = own;
                if (Shared != 0) pv = (float*)Shared + s0 * sliverFloats;
                else TransformInput((float*)X, shape, s0 * mr, Math.Min(tiles, s1 * mr), pv, 0, g.C);
                for (int so = so0; so < so1; so++)
                {
                    for (int p = 0; p < Points; p++)
                        for (int s = 0; s < s1 - s0; s++)
                            Sgemm.Tile(mr, g.C, pv + s * sliverFloats + (long)p * g.C * mr, u.At(p, so), pm + s * mSliver + p * mr * 32, 32);
                    for (int s = s0; s < s1; s++)
                        TransformOutput(pm + (s - s0) * mSliver, shape, s * mr, Math.Min(tiles, (s + 1) * mr), so * 32, (float*)Bias, (float*)Res, (float*)Y, min, max);
                }
            }
        });
    }

    // The tile grid and the V layout: V[sliver][p][c][mr] (an A sliver of the micro-kernel per point and sliver).
    private readonly record struct Layout(ConvGeometry G, int TilesH, int TilesW, int Mr, long SliverFloats)
    {
        public int PerImage => TilesH * TilesW;
        /// <summary>Tiles of one tile row per 16-lane vector: 4 or 8 when a row has that few (the vector then holds 4 or 2 tile rows), else 16.</summary>
        public int Segment => TilesW <= 4 ? 4 : TilesW <= 8 ? 8 : TilesPerVector;
        public int Blocks => (TilesW + Segment - 1) / Segment;
    }

    // V of input channels [c0, c1) for tiles [t0, t1) (the first at v): each tile row of each channel that has tiles
    // there is transformed 16 tiles at a time from its 6 input rows (read in place, the padding as masked-off lanes)
    // and stored lane by lane into the slivers.
    private static void TransformInput(float* x, Layout l, int t0, int t1, float* v, int c0, int c1)
    {
        var g = l.G;
        var h = stackalloc Vector512<float>[Points];
        var col = stackalloc Vector512<float>[6];
        var masks = stackalloc Vector512<float>[2 * TilesPerVector];
        var targets = stackalloc float*[2 * TilesPerVector];
        var runFrom = stackalloc int[2 * TilesPerVector];
        var runTo = stackalloc int[2 * TilesPerVector];
        var rows = stackalloc float*[4];
        var starts = stackalloc int[4];
        int first = t0 - t0 % l.Mr;   // v's first tile
        int segment = l.Segment, stack = TilesPerVector / segment;
        for (int n = t0 / l.PerImage; n <= (t1 - 1) / l.PerImage; n++)
        {
            int imageTile = n * l.PerImage;
            int i0 = Math.Max(0, t0 - imageTile) / l.TilesW, i1 = Math.Min(l.TilesH, (t1 - imageTile + l.TilesW - 1) / l.TilesW);
            for (int c = c0; c < c1; c++)
                for (int jb = 0; jb < l.Blocks; jb++)
                {
                    float* plane = x + ((long)n * g.C + c) * g.H * g.W;
                    int carried = 0;   // rows of h still valid from the tile row above (its last two are this one's first)
                    for (int i = i0; i < i1; i += stack)
                    {
                        // The vector's lanes with tiles in [t0, t1) (segment s: tile row i + s), as runs that each fall
                        // in one sliver.
                        int runs = 0;
                        for (int sg = 0; sg < stack && i + sg < i1; sg++)
                        {
                            int tile0 = imageTile + (i + sg) * l.TilesW + jb * segment;
                            int lane0 = Math.Max(0, t0 - tile0), lane1 = Math.Min(Math.Min(segment, l.TilesW - jb * segment), t1 - tile0);
                            for (int lane = lane0; lane < lane1;)
                            {
                                int local = tile0 + lane - first, inSliver = local % l.Mr, end = Math.Min(lane1, lane + l.Mr - inSliver);
                                int from = sg * segment + lane, to = sg * segment + end;
                                float* target = v + local / l.Mr * l.SliverFloats + (long)c * l.Mr + inSliver - from;
                                // Lanes that continue the last run in the same sliver (rows of exactly one segment) join it.
                                if (runs > 0 && runTo[runs - 1] == from && targets[runs - 1] == target) runTo[runs - 1] = to;
                                else
                                {
                                    runFrom[runs] = from;
                                    runTo[runs] = to;
                                    targets[runs++] = target;
                                }
                                lane = end;
                            }
                        }
                        if (runs == 0)
                        {
                            carried = 0;
                            continue;
                        }
                        for (int run = 0; run < runs; run++)
                            masks[run] = LaneMask.Range(runFrom[run], runTo[run]);
                        // Rows first: h[r][b] = (d_r B)[b] for the 6 padded rows r of each segment's tile row (padded row
                        // 4i' + r: input row 4i' + r - top, its 4 x 16 columns (for this block) from column 64 jb - left).
                        for (int r = carried; r < 6; r++)
                        {
                            for (int q = 0; q < 4; q++)
                            {
                                // Quarter q of the vector's 64 columns: segment q * 4 / segment's columns from 16 q mod (4 segment).
                                int sg = q * 4 / segment, row = 4 * (i + sg) + r - g.Pad.Top;
                                rows[q] = i + sg < i1 && row >= 0 && row < g.H ? plane + (long)row * g.W : null;
                                starts[q] = jb * ColumnsPerVector - g.Pad.Left + 16 * q % (4 * segment);
                            }
                            Deinterleave(rows, starts, g.W, segment == TilesPerVector, out var d0, out var d1, out var d2, out var d3, out var d4, out var d5);
                            TransformB(d0, d1, d2, d3, d4, d5, h + r * 6);
                        }
                        // Then columns, stored as they are made: V[a][b] = (B^T h)[a][b].
                        long pointStride = (long)g.C * l.Mr;
                        for (int b = 0; b < 6; b++)
                        {
                            TransformB(h[b], h[6 + b], h[12 + b], h[18 + b], h[24 + b], h[30 + b], col);
                            for (int run = 0; run < runs; run++)
                                for (int a = 0; a < 6; a++) Avx512F.MaskStore(targets[run] + (a * 6 + b) * pointStride, masks[run], col[a]);
                        }
                        if (stack > 1) continue;
                        for (int b = 0; b < 6; b++)
                        {
                            h[b] = h[24 + b];
                            h[6 + b] = h[30 + b];
                        }
                        carried = 2;
                    }
                }
        }
    }

    // The 16 tiles whose columns start at rows[q][starts[q]] for lanes 4q .. 4q + 3 (a start may be negative; a null
    // row is zeros), their column k (k < 6; zero outside [0, width)) as one vector each. One row (whole): columns 4 and 5
    // of a lane are columns 0 and 1 of the next, the last lane's from past the 64 columns; rows side by side (stacked
    // tile rows): columns 4 .. 67 are loaded and split again.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave(float** rows, int* starts, int width, bool whole, out Vector512<float> d0, out Vector512<float> d1,
        out Vector512<float> d2, out Vector512<float> d3, out Vector512<float> d4, out Vector512<float> d5)
    {
        var v0 = Load(rows[0], starts[0], width);
        var v1 = Load(rows[1], starts[1], width);
        var v2 = Load(rows[2], starts[2], width);
        var v3 = Load(rows[3], starts[3], width);
        Split(v0, v1, v2, v3, out d0, out d1, out d2, out d3);
        if (whole)
        {
            float* row = rows[3];
            int last = starts[3] + 16;
            float e4 = row != null && (uint)last < (uint)width ? row[last] : 0, e5 = row != null && (uint)(last + 1) < (uint)width ? row[last + 1] : 0;
            d4 = Avx512F.AlignRight32(Vector512.Create(e4).AsInt32(), d0.AsInt32(), 1).AsSingle();
            d5 = Avx512F.AlignRight32(Vector512.Create(e5).AsInt32(), d1.AsInt32(), 1).AsSingle();
            return;
        }
        Split(Load(rows[0], starts[0] + 4, width), Load(rows[1], starts[1] + 4, width), Load(rows[2], starts[2] + 4, width), Load(rows[3], starts[3] + 4, width),
            out d4, out d5, out _, out _);
    }

    // 64 floats' columns 4j, 4j + 1, 4j + 2, 4j + 3 of their 16 groups of 4: split by column mod 2 (each pair of vectors'
    // even and odd floats), then the halves again by mod 2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Split(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3, out Vector512<float> c0,
        out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
    {
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = evens + Vector512<int>.One;
        var even01 = Avx512F.PermuteVar16x32x2(v0, evens, v1);
        var odd01 = Avx512F.PermuteVar16x32x2(v0, odds, v1);
        var even23 = Avx512F.PermuteVar16x32x2(v2, evens, v3);
        var odd23 = Avx512F.PermuteVar16x32x2(v2, odds, v3);
        c0 = Avx512F.PermuteVar16x32x2(even01, evens, even23);
        c1 = Avx512F.PermuteVar16x32x2(odd01, evens, odd23);
        c2 = Avx512F.PermuteVar16x32x2(even01, odds, even23);
        c3 = Avx512F.PermuteVar16x32x2(odd01, odds, odd23);
    }

    // row[start .. start + 16), zero outside [0, width): a plain load inside, masked at the edges.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* row, int start, int width)
    {
        if (row == null) return Vector512<float>.Zero;
        if (start >= 0 && start + 16 <= width) return Vector512.Load(row + start);
        if (start >= width || start + 16 <= 0) return Vector512<float>.Zero;
        var column = Vector512<int>.Indices + Vector512.Create(start);
        var mask = (Vector512.GreaterThanOrEqual(column, Vector512<int>.Zero) & Vector512.LessThan(column, Vector512.Create(width))).AsSingle();
        return Avx512F.MaskLoad(row + start, mask, Vector512<float>.Zero);
    }

    // out[0..6) = B^T d for one column d of 6 (rows of B^T: 4 0 -5 0 1 0 | 0 -4 -4 1 1 0 | 0 4 -4 -1 1 0 |
    // 0 -2 -1 2 1 0 | 0 2 -1 -2 1 0 | 0 4 0 -5 0 1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformB(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2, Vector512<float> d3,
        Vector512<float> d4, Vector512<float> d5, Vector512<float>* o)
    {
        var four = Vector512.Create(4f);
        var five = Vector512.Create(-5f);
        var two = Vector512.Create(2f);
        var s = Vector512.FusedMultiplyAdd(-four, d2, d4);   // d4 - 4 d2
        var t = Vector512.FusedMultiplyAdd(-four, d1, d3);   // d3 - 4 d1
        var u = d4 - d2;
        var w = d3 - d1;
        o[0] = Vector512.FusedMultiplyAdd(four, d0, Vector512.FusedMultiplyAdd(five, d2, d4));
        o[1] = s + t;
        o[2] = s - t;
        o[3] = Vector512.FusedMultiplyAdd(two, w, u);
        o[4] = Vector512.FusedMultiplyAdd(-two, w, u);
        o[5] = Vector512.FusedMultiplyAdd(four, d1, Vector512.FusedMultiplyAdd(five, d3, d5));
    }

    // y for tiles [t0, t1) (one sliver, M[p] its mr x 32 products) and output channels o0 .. o0 + 32: A^T M A, 16
    // channels at a time (one per lane), then bias, residual and clamp; each output row's 4 values per channel are
    // gathered into one 128-bit lane by a 4x4 transpose and stored as such.
    private static void TransformOutput(float* m, Layout l, int t0, int t1, int o0, float* bias, float* residual, float* y, float min, float max)
    {
        var g = l.G;
        var q = stackalloc Vector512<float>[24];
        var spill = stackalloc float[64];
        var lo = Vector512.Create(min);
        var hi = Vector512.Create(max);
        long plane = (long)g.OH * g.OW;
        for (int half = 0; half < 2 && o0 + 16 * half < g.O; half++)
        {
            int oc = o0 + 16 * half, channels = Math.Min(16, g.O - oc);
            var b = bias == null ? Vector512<float>.Zero
                : channels == 16 ? Vector512.Load(bias + oc) : Avx512F.MaskLoad(bias + oc, LaneMask.First(channels), Vector512<float>.Zero);
            for (int t = t0; t < t1; t++)
            {
                int n = t / l.PerImage, i = t % l.PerImage / l.TilesW, j = t % l.TilesW;
                float* at = m + (t - t0) * 32 + 16 * half;
                for (int c = 0; c < 6; c++)
                    TransformA(Vector512.Load(at + c * l.Mr * 32), Vector512.Load(at + (6 + c) * l.Mr * 32), Vector512.Load(at + (12 + c) * l.Mr * 32),
                        Vector512.Load(at + (18 + c) * l.Mr * 32), Vector512.Load(at + (24 + c) * l.Mr * 32), Vector512.Load(at + (30 + c) * l.Mr * 32),
                        out q[c], out q[6 + c], out q[12 + c], out q[18 + c]);
                int width = Math.Min(4, g.OW - 4 * j);
                for (int r = 0; r < 4 && 4 * i + r < g.OH; r++)
                {
                    TransformA(q[r * 6], q[r * 6 + 1], q[r * 6 + 2], q[r * 6 + 3], q[r * 6 + 4], q[r * 6 + 5], out var c0, out var c1, out var c2, out var c3);
                    // Channel 4k + e of the 16 is 128-bit lane k of r_e.
                    var u0 = Avx512F.UnpackLow(c0 + b, c1 + b);
                    var u1 = Avx512F.UnpackHigh(c0 + b, c1 + b);
                    var u2 = Avx512F.UnpackLow(c2 + b, c3 + b);
                    var u3 = Avx512F.UnpackHigh(c2 + b, c3 + b);
                    var r0 = Avx512F.Shuffle(u0, u2, 0x44);
                    var r1 = Avx512F.Shuffle(u0, u2, 0xEE);
                    var r2 = Avx512F.Shuffle(u1, u3, 0x44);
                    var r3 = Avx512F.Shuffle(u1, u3, 0xEE);
                    long offset = ((long)n * g.O + oc) * plane + (long)(4 * i + r) * g.OW + 4 * j;
                    float* dst = y + offset, res = residual == null ? null : residual + offset;
                    if (channels == 16 && width == 4)
                    {
                        if (res != null)
                        {
                            r0 += Gather(res, plane);
                            r1 += Gather(res + plane, plane);
                            r2 += Gather(res + 2 * plane, plane);
                            r3 += Gather(res + 3 * plane, plane);
                        }
                        Scatter(Vector512.Min(Vector512.Max(r0, lo), hi), dst, plane);
                        Scatter(Vector512.Min(Vector512.Max(r1, lo), hi), dst + plane, plane);
                        Scatter(Vector512.Min(Vector512.Max(r2, lo), hi), dst + 2 * plane, plane);
                        Scatter(Vector512.Min(Vector512.Max(r3, lo), hi), dst + 3 * plane, plane);
                        continue;
                    }
                    // Edge tiles (fewer channels or columns): element by element.
                    r0.Store(spill); r1.Store(spill + 16); r2.Store(spill + 32); r3.Store(spill + 48);
                    for (int o = 0; o < channels; o++)
                        for (int e = 0; e < width; e++)
                        {
                            float value = spill[o % 4 * 16 + o / 4 * 4 + e] + (res == null ? 0 : res[o * plane + e]);
                            dst[o * plane + e] = Math.Min(Math.Max(value, min), max);
                        }
                }
            }
        }
    }

    // The 128-bit lanes of a vector from (to) four planes: lane k at p + 4k planes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Gather(float* p, long plane) =>
        Vector512.Create(Vector256.Create(Vector128.Load(p), Vector128.Load(p + 4 * plane)), Vector256.Create(Vector128.Load(p + 8 * plane), Vector128.Load(p + 12 * plane)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scatter(Vector512<float> v, float* p, long plane)
    {
        v.GetLower().GetLower().Store(p);
        v.GetLower().GetUpper().Store(p + 4 * plane);
        v.GetUpper().GetLower().Store(p + 8 * plane);
        v.GetUpper().GetUpper().Store(p + 12 * plane);
    }

    // (o0..o3) = A^T m for one column m of 6 (rows of A^T: 1 1 1 1 1 0 | 0 1 -1 2 -2 0 | 0 1 1 4 4 0 | 0 1 -1 8 -8 1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformA(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4,
        Vector512<float> m5, out Vector512<float> o0, out Vector512<float> o1, out Vector512<float> o2, out Vector512<float> o3)
    {
        var s = m1 + m2;
        var d = m1 - m2;
        var s2 = m3 + m4;
        var d2 = m3 - m4;
        o0 = m0 + s + s2;
        o1 = Vector512.FusedMultiplyAdd(Vector512.Create(2f), d2, d);
        o2 = Vector512.FusedMultiplyAdd(Vector512.Create(4f), s2, s);
        o3 = Vector512.FusedMultiplyAdd(Vector512.Create(8f), d2, d) + m5;
    }
}

/// <summary>
/// A 3x3 convolution's Winograd weights: U[p] (O x C) of each point, transposed and cut into micro-kernel B slivers
/// (C rows of 32 output channels, zero-padded past O), at <see cref="At"/>(p, sliver).
/// </summary>
internal sealed unsafe class WinogradWeights : IDisposable
{
    private float* _data;

    public WinogradWeights(int outChannels, int inChannels)
    {
        (O, C) = (outChannels, inChannels);
        OSlivers = (outChannels + 31) / 32;
        nuint floats = (nuint)Winograd.Points * (nuint)OSlivers * (nuint)inChannels * 32;
        _data = (float*)NativeMemory.AlignedAlloc(floats * 4, 64);
        new Span<float>(_data, (int)floats).Clear();
    }

    public int O { get; }
    public int C { get; }
    public int OSlivers { get; }

    /// <summary>Point p's B sliver for output channels 32 * sliver ...: C rows of 32 floats.</summary>
    public float* At(int p, int sliver) => _data + ((long)p * OSlivers + sliver) * C * 32;

    public void Dispose()
    {
        NativeMemory.AlignedFree(_data);
        _data = null;
        GC.SuppressFinalize(this);
    }

    ~WinogradWeights() => NativeMemory.AlignedFree(_data);
}

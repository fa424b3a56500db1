// 2-d convolution on the CPU. General case: per image and group, one GEMM of the weights with the lowered image:
// 1x1 stride-1 convs multiply the image directly, other float32 2-d convs the zero-padded image through one row offset
// per tap (ImplicitGemm.cs), the rest (float64, 3-d, no SIMD) its im2col copy; small outputs lower several images side
// by side into one wider GEMM. Inference (ForwardFused) multiplies weights packed once and finishes the output in the
// GEMM's tiles (bias, residual, ReLU/ReLU6).
// Depthwise convolutions (one input channel per group) use direct loops (DepthwiseFloat.cs: SIMD rows for float32),
// where a GEMM with a single row would waste the micro-kernel. Work is split into tasks whose boundaries depend only
// on the shapes, so results are identical for any thread count.
using System.Numerics;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal sealed class CpuConvolutionKernels : IConvolutionKernels
{
    public static readonly CpuConvolutionKernels Instance = new();

    public void Forward(Tensor x, Tensor w, Tensor? bias, Tensor y, ConvGeometry g)
    {
        if (x.DType == DType.Float64) Forward<double>(x, w, bias, y, g); else Forward<float>(x, w, bias, y, g);
    }

    // Dense convolutions with one image per GEMM multiply the packed weights and finish each tile of y in the GEMM
    // (bias, residual, clamp); the other paths (depthwise, several images per GEMM) compute y as Forward does, then
    // finish each output plane right after it, in the same task.
    public unsafe void ForwardFused(Tensor xt, Tensor wt, ConvWeightPack pack, Tensor? bt, Tensor? rt, Tensor yt, ConvGeometry g, float min, float max)
    {
        float[] x = xt.RawArray<float>(), y = yt.RawArray<float>();
        float[]? bias = bt?.RawArray<float>(), res = rt?.RawArray<float>();
        int xo = xt.Offset, yo = yt.Offset, bo = bt?.Offset ?? 0, ro = rt?.Offset ?? 0;
        int chw = g.C * g.InPlane, ohw = g.OutPlane, cg = g.CPerGroup, og = g.OPerGroup;
        if (IsDepthwise(g) && DepthwiseFloat.Handles(g) && res == null)
        {
            // The clamp is applied to each output row as it is finished.
            float[] w = wt.RawArray<float>();
            int wo = wt.Offset;
            DepthwiseFloat.ForwardAll(x, xo, w, wo, bias, bo, y, yo, g, min, max);
            return;
        }
        if (Winograd.Handles(g))
        {
            var u = pack.Winograd(wt, g);
            fixed (float* px = x, py = y, pb = bias, pr = res)
                Winograd.Forward(px + xo, g, u, pb == null ? null : pb + bo, pr == null ? null : pr + ro, py + yo, min, max);
            GC.KeepAlive(u);
            return;
        }
        var packed = IsDepthwise(g) || ImagesPerTask(g) > 1 ? null : pack.For(wt, g);
        if (packed == null || packed.Any(p => p == null))
        {
            Forward<float>(xt, wt, bt, yt, g);
            if (res == null && float.IsNegativeInfinity(min) && float.IsPositiveInfinity(max)) return;
            WorkerPool.For(g.N * g.O, t =>
            {
                fixed (float* py = &y[yo], pr = res)
                    new GemmEpilogue(null, pr == null ? null : pr + ro, min, max).Apply(py + (long)t * ohw, ohw, t, 0, 1, ohw);
            });
            return;
        }
        WorkerPool.For(g.N * g.Groups, t =>
        {
            int n = t / g.Groups, gi = t % g.Groups;
            int xGroup = xo + n * chw + gi * cg * g.InPlane;
            int yPlanes = (n * g.O + gi * og) * ohw;
            if (ImplicitGemm.Handles(g))
            {
                fixed (float* px = x, py = y, pb = bias, pr = res)
                    ImplicitGemm.Forward(px + xGroup, g, packed[gi], null, pb == null ? null : pb + bo + gi * og, pr == null ? null : pr + ro + yPlanes,
                        py + yo + yPlanes, min, max);
                return;
            }
            fixed (float* pb = bias, pr = res)
            {
                var epilogue = new GemmEpilogue(pb == null ? null : pb + bo + gi * og, pr == null ? null : pr + ro + yPlanes, min, max);
                if (g.IsPointwise)
                {
                    // The image is B as it is: channel c's plane is row c (read in place by the micro-kernel). Its last
                    // sliver is read in place too when the storage goes on for a sliver's width past the last plane.
                    var offsets = Scratch<long>.Get(cg);
                    for (int c = 0; c < cg; c++) offsets[c] = (long)c * g.InPlane;
                    bool readsPastN = xGroup + (long)cg * g.InPlane + 32 <= x.Length;
                    fixed (float* px = x, py = y)
                    fixed (long* po = offsets)
                        Sgemm.GemmRowOffsets(og, ohw, cg, packed[gi], null, px + xGroup, po, py + yo + yPlanes, ohw, epilogue, readsPastN);
                    return;
                }
                var buf = Scratch<float>.Get(g.ColRows * ohw);
                int block = g.Taps * ohw;
                WorkerPool.For(cg, c => Im2Col.Lower<float>(x.AsSpan(xGroup + c * g.InPlane, g.InPlane), 1, g.H, g.W, g, buf.AsSpan(c * block, block)));
                Sgemm.Gemm(packed[gi]!, ohw, buf.AsSpan(0, g.ColRows * ohw), ohw, y.AsSpan(yo + yPlanes, og * ohw), ohw, epilogue);
            }
        });
    }

    public void ForwardInvertedResidual(Tensor x, FusedStage? expand, FusedStage depthwise, FusedStage project, Tensor? residual, Tensor y)
    {
        if (ExpandDepthwiseProject.Handles(expand, depthwise, project))
        {
            ExpandDepthwiseProject.Forward(x, expand, depthwise, project, residual, y);
            return;
        }
        // Stage by stage.
        Tensor? expanded = null;
        if (expand is { } e)
        {
            expanded = Tensor.Empty(new Shape([e.G.N, e.G.O, e.G.OH, e.G.OW]), DType.Float32);
            ForwardFused(x, e.W, e.Pack, e.Bias, null, expanded, e.G, e.Min, e.Max);
        }
        var d = depthwise.G;
        using var inner = Tensor.Empty(new Shape([d.N, d.O, d.OH, d.OW]), DType.Float32);
        ForwardFused(expanded ?? x, depthwise.W, depthwise.Pack, depthwise.Bias, null, inner, d, depthwise.Min, depthwise.Max);
        expanded?.Dispose();
        ForwardFused(inner, project.W, project.Pack, project.Bias, residual, y, project.G, project.Min, project.Max);
    }

    public void BackwardInput(Tensor dy, Tensor w, Tensor dx, ConvGeometry g)
    {
        if (dy.DType == DType.Float64) BackwardInput<double>(dy, w, dx, g); else BackwardInput<float>(dy, w, dx, g);
    }

    public void BackwardWeight(Tensor dy, Tensor x, Tensor dw, ConvGeometry g)
    {
        if (dy.DType == DType.Float64) BackwardWeight<double>(dy, x, dw, g); else BackwardWeight<float>(dy, x, dw, g);
    }

    public void Unfold(Tensor x, Tensor cols, ConvGeometry g)
    {
        if (x.DType == DType.Float64) Unfold<double>(x, cols, g); else Unfold<float>(x, cols, g);
    }

    public void Fold(Tensor cols, Tensor x, ConvGeometry g)
    {
        if (x.DType == DType.Float64) Fold<double>(cols, x, g); else Fold<float>(cols, x, g);
    }

    // One task per (image, channel): channel c's rows of the column matrix are a contiguous block.
    private static void Unfold<T>(Tensor xt, Tensor ct, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        T[] x = xt.RawArray<T>(), cols = ct.RawArray<T>();
        int xo = xt.Offset, co = ct.Offset, hw = g.H * g.W, block = g.KH * g.KW * g.OH * g.OW;
        WorkerPool.For(g.N * g.C, t => Im2Col.Lower<T>(x.AsSpan(xo + t * hw, hw), 1, g.H, g.W, g, cols.AsSpan(co + t * block, block)));
    }

    private static void Fold<T>(Tensor ct, Tensor xt, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        T[] x = xt.RawArray<T>(), cols = ct.RawArray<T>();
        int xo = xt.Offset, co = ct.Offset, hw = g.H * g.W, block = g.KH * g.KW * g.OH * g.OW;
        WorkerPool.For(g.N * g.C, t =>
        {
            var plane = x.AsSpan(xo + t * hw, hw);
            plane.Clear();
            Im2Col.Raise<T>(cols.AsSpan(co + t * block, block), 1, g.H, g.W, g, plane);
        });
    }

    private static bool IsDepthwise(ConvGeometry g) => g.CPerGroup == 1 && g.Groups > 1;

    // The convolution that computes a 3x3 stride-1 layer's input gradient from dy (channels swapped, padding 2 - p),
    // when Winograd takes it; else null.
    private static ConvGeometry? TransposedWinograd(ConvGeometry g)
    {
        var p = g.Pad;
        if (g.KH != 3 || g.KW != 3 || g.D != 1 || g.KD != 1 || g.Groups != 1 || g.Stride != new Size2(1, 1) || g.Dilation != new Size2(1, 1)
            || p.Top > 2 || p.Bottom > 2 || p.Left > 2 || p.Right > 2)
            return null;
        var t = new ConvGeometry(g.N, g.O, g.OH, g.OW, g.C, 3, 3, g.H, g.W, new Size2(1, 1), new Padding2d(2 - p.Top, 2 - p.Bottom, 2 - p.Left, 2 - p.Right),
            new Size2(1, 1), 1);
        return Winograd.Handles(t) ? t : null;
    }

    /// <summary>A per-thread scratch array of at least <paramref name="n"/> elements.</summary>
    private static class Scratch<T>
    {
        [ThreadStatic] private static T[]? _buf;
        public static T[] Get(int n) => ThreadBuffer.Grow(ref _buf, n);
    }

    private static unsafe void Forward<T>(Tensor xt, Tensor wt, Tensor? bt, Tensor yt, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        var x = xt.RawArray<T>();
        int xo = xt.Offset, wo = wt.Offset, yo = yt.Offset;
        var w = wt.RawArray<T>();
        var y = yt.RawArray<T>();
        T[]? bias = bt?.RawArray<T>();
        int bo = bt?.Offset ?? 0;
        int chw = g.C * g.InPlane, ohw = g.OutPlane, cg = g.CPerGroup, og = g.OPerGroup;
        if (IsDepthwise(g))
        {
            if (typeof(T) == typeof(float) && DepthwiseFloat.Handles(g))
            {
                DepthwiseFloat.ForwardAll((float[])(object)x, xo, (float[])(object)w, wo, (float[]?)(object?)bias, bo, (float[])(object)y, yo, g);
            }
            else WorkerPool.For(g.N * g.O, t => DepthwiseForward(x, xo + t / g.O * chw, w, wo, y, yo + t * ohw, t % g.O, g, bias, bo));
            return;
        }
        if (typeof(T) == typeof(float) && Winograd.Handles(g))
        {
            // Weights that change every step (training) are transformed on every call: a few multiply-adds per weight
            // against the batch's products.
            using var u = Winograd.Pack(((float[])(object)w).AsSpan(wo, g.O * g.C * 9), g.O, g.C);
            fixed (T* px = x, py = y, pb = bias)
                Winograd.Forward((float*)px + xo, g, u, pb == null ? null : (float*)pb + bo, null, (float*)py + yo, float.NegativeInfinity, float.PositiveInfinity);
            return;
        }
        if (ImagesPerTask(g) is var per && per > 1)
        {
            BatchedForward(x, xo, w, wo, bias, bo, y, yo, g, per);
            return;
        }
        WorkerPool.For(g.N * g.Groups, t =>
        {
            int n = t / g.Groups, gi = t % g.Groups;
            int xGroup = xo + n * chw + gi * cg * g.InPlane;
            if (typeof(T) == typeof(float) && ImplicitGemm.Handles(g))
            {
                ImplicitForward((float[])(object)x, xGroup, (float[])(object)w, wo + gi * og * g.ColRows, (float[]?)(object?)bias, bo + gi * og,
                    (float[])(object)y, yo + (n * g.O + gi * og) * ohw, g);
                return;
            }
            ReadOnlySpan<T> cols;
            if (g.IsPointwise) cols = x.AsSpan(xGroup, cg * g.InPlane);
            else
            {
                // One task per channel: with a single image (inference) this spreads the lowering over the threads;
                // inside a parallel job it runs inline.
                var buf = Scratch<T>.Get(g.ColRows * ohw);
                int block = g.Taps * ohw;
                WorkerPool.For(cg, c => Im2Col.Lower<T>(x.AsSpan(xGroup + c * g.InPlane, g.InPlane), 1, g.H, g.W, g, buf.AsSpan(c * block, block)));
                cols = buf;
            }
            int yPlanes = yo + (n * g.O + gi * og) * ohw;
            Blas.Gemm(false, false, og, ohw, g.ColRows, T.One, w.AsSpan(wo + gi * og * g.ColRows), g.ColRows, cols, ohw, T.Zero, y.AsSpan(yPlanes, og * ohw), ohw);
            if (bias != null)
                WorkerPool.For(og, o =>
                {
                    var row = y.AsSpan(yPlanes + o * ohw, ohw);
                    System.Numerics.Tensors.TensorPrimitives.Add(row, bias[bo + gi * og + o], row);
                });
        });
    }

    private static unsafe void ImplicitForward(float[] x, int xo, float[] w, int wo, float[]? bias, int bo, float[] y, int yo, ConvGeometry g)
    {
        fixed (float* px = x, pw = w, pb = bias, py = y)
            ImplicitGemm.Forward(px + xo, g, null, pw + wo, pb == null ? null : pb + bo, null, py + yo, float.NegativeInfinity, float.PositiveInfinity);
    }

    private static unsafe void BackwardInput<T>(Tensor dyt, Tensor wt, Tensor dxt, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        var dy = dyt.RawArray<T>();
        var w = wt.RawArray<T>();
        var dx = dxt.RawArray<T>();
        int dyo = dyt.Offset, wo = wt.Offset, dxo = dxt.Offset;
        int chw = g.C * g.InPlane, ohw = g.OutPlane, cg = g.CPerGroup, og = g.OPerGroup;
        if (typeof(T) == typeof(float) && TransposedWinograd(g) is { } gt)
        {
            // A 3x3 stride-1 convolution's input gradient is the convolution of dy with the weights flipped and their
            // channels swapped (W'[c][o][2 - kh][2 - kw] = W[o][c][kh][kw]), padded 2 - p: Winograd again.
            var flipped = Scratch<float>.Get(g.C * g.O * 9);
            var wf = (float[])(object)w;
            for (int o = 0; o < g.O; o++)
                for (int c = 0; c < g.C; c++)
                    for (int k = 0; k < 9; k++) flipped[(c * g.O + o) * 9 + 8 - k] = wf[wo + (o * g.C + c) * 9 + k];
            using var u = Winograd.Pack(flipped.AsSpan(0, g.C * g.O * 9), g.C, g.O);
            fixed (T* pdy = dy, pdx = dx)
                Winograd.Forward((float*)pdy + dyo, gt, u, null, null, (float*)pdx + dxo, float.NegativeInfinity, float.PositiveInfinity);
            return;
        }
        dxt.AsSpan<T>().Clear();
        if (IsDepthwise(g))
        {
            // Each input channel receives from its og output channels; one task per (image, input channel).
            if (typeof(T) == typeof(float) && DepthwiseFloat.Handles(g))
            {
                float[] dyf = (float[])(object)dy, wf = (float[])(object)w, dxf = (float[])(object)dx;
                WorkerPool.For(g.N * g.C, t => DepthwiseFloat.BackwardInput(dyf, dyo + t / g.C * g.O * ohw, wf, wo, dxf, dxo + t * g.InPlane, t % g.C, g));
            }
            else WorkerPool.For(g.N * g.C, t => DepthwiseBackwardInput(dy, dyo + t / g.C * g.O * ohw, w, wo, dx, dxo + t * g.InPlane, t % g.C, g));
            return;
        }
        if (ImagesPerTask(g) is var per && per > 1)
        {
            BatchedBackwardInput(dy, dyo, w, wo, dx, dxo, g, per);
            return;
        }
        WorkerPool.For(g.N * g.Groups, t =>
        {
            int n = t / g.Groups, gi = t % g.Groups;
            var dxs = dx.AsSpan(dxo + n * chw + gi * cg * g.InPlane, cg * g.InPlane);
            ReadOnlySpan<T> dyg = dy.AsSpan(dyo + (n * g.O + gi * og) * ohw, og * ohw);
            ReadOnlySpan<T> wg = w.AsSpan(wo + gi * og * g.ColRows, og * g.ColRows);
            if (g.IsPointwise)
            {
                Blas.Gemm(true, false, g.ColRows, ohw, og, T.One, wg, g.ColRows, dyg, ohw, T.Zero, dxs, ohw);
                return;
            }
            var dcols = Scratch<T>.Get(g.ColRows * ohw);
            Blas.Gemm(true, false, g.ColRows, ohw, og, T.One, wg, g.ColRows, dyg, ohw, T.Zero, dcols, ohw);
            Im2Col.Raise<T>(dcols.AsSpan(0, g.ColRows * ohw), cg, g.H, g.W, g, dxs);
        });
    }

    private static void BackwardWeight<T>(Tensor dyt, Tensor xt, Tensor dwt, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        var dy = dyt.RawArray<T>();
        var x = xt.RawArray<T>();
        int dyo = dyt.Offset, xo = xt.Offset;
        int chw = g.C * g.InPlane, ohw = g.OutPlane, cg = g.CPerGroup, og = g.OPerGroup;
        int wsize = g.O * g.ColRows;
        var dw = dwt.AsSpan<T>();
        if (IsDepthwise(g))
        {
            var dwa = dwt.RawArray<T>();
            int dwo = dwt.Offset;
            if (typeof(T) == typeof(float) && DepthwiseFloat.Handles(g))
            {
                float[] dyf = (float[])(object)dy, xf = (float[])(object)x, dwf = (float[])(object)dwa;
                WorkerPool.For(g.O, o => DepthwiseFloat.BackwardWeight(dyf, dyo, xf, xo, dwf, dwo + o * g.Taps, o, g));
            }
            else WorkerPool.For(g.O, o => DepthwiseBackwardWeight(dy, dyo, x, xo, dwa, dwo + o * g.Taps, o, g));
            return;
        }
        if (ImagesPerTask(g) is var imagesPerTask && imagesPerTask > 1)
        {
            BatchedBackwardWeight(dy, dyo, x, xo, dw, g, imagesPerTask);
            return;
        }
        // Images are split into a fixed number of chunks (independent of the thread count); each chunk sums its
        // images' contributions in order into its own buffer, and the chunks are added in order.
        int chunks = Math.Min(g.N, WeightSlots), per = (g.N + chunks - 1) / chunks;
        chunks = (g.N + per - 1) / per;
        var partial = Fovea.Memory.BufferPool<T>.Rent(chunks * wsize);
        WorkerPool.For(chunks, ch =>
        {
            var part = partial.AsSpan(ch * wsize, wsize);
            bool first = true;
            for (int n = ch * per; n < Math.Min(g.N, (ch + 1) * per); n++)
            {
                for (int gi = 0; gi < g.Groups; gi++)
                {
                    ReadOnlySpan<T> xs = x.AsSpan(xo + n * chw + gi * cg * g.InPlane, cg * g.InPlane);
                    ReadOnlySpan<T> cols;
                    if (g.IsPointwise) cols = xs;
                    else
                    {
                        var buf = Scratch<T>.Get(g.ColRows * ohw);
                        Im2Col.Lower(xs, cg, g.H, g.W, g, buf);
                        cols = buf;
                    }
                    ReadOnlySpan<T> dyg = dy.AsSpan(dyo + (n * g.O + gi * og) * ohw, og * ohw);
                    Blas.Gemm(false, true, og, g.ColRows, ohw, T.One, dyg, ohw, cols, ohw, first ? T.Zero : T.One, part.Slice(gi * og * g.ColRows, og * g.ColRows), g.ColRows);
                }
                first = false;
            }
        });
        partial.AsSpan(0, wsize).CopyTo(dw);
        for (int ch = 1; ch < chunks; ch++) System.Numerics.Tensors.TensorPrimitives.Add(dw, partial.AsSpan(ch * wsize, wsize), dw);
        Fovea.Memory.BufferPool<T>.Return(partial);
    }

    // ---------------------------------------------------------------- several images per GEMM
    // Small outputs make narrow GEMMs (OH*OW columns) whose packing and edge tiles dominate. These paths lower `per`
    // images side by side into one (ColRows, per*OH*OW) matrix, so each GEMM is about BatchColumns wide, and copy the
    // results back per image. Tasks are runs of `per` images (fixed by the shapes).

    private const int BatchColumns = 2048;

    // Images per task: 1 (the per-image paths) for pointwise or large outputs; else enough images for about
    // BatchColumns columns, keeping at least min(N, 16) tasks.
    private static int ImagesPerTask(ConvGeometry g)
    {
        if (g.IsPointwise || g.OutPlane >= BatchColumns / 2) return 1;
        int chunks = Math.Clamp((int)(((long)g.N * g.OutPlane + BatchColumns - 1) / BatchColumns), Math.Min(g.N, 16), g.N);
        return (g.N + chunks - 1) / chunks;
    }

    // Lowers images n0 .. n0+nb-1 of group gi side by side: cols row r holds image i's row r at columns i*ohw.
    private static void LowerImages<T>(T[] x, int xo, int n0, int nb, int gi, ConvGeometry g, Span<T> cols, int ld) where T : unmanaged, INumber<T>
    {
        int chw = g.C * g.InPlane, cgs = g.CPerGroup * g.InPlane;
        for (int i = 0; i < nb; i++)
            Im2Col.Lower<T>(x.AsSpan(xo + (n0 + i) * chw + gi * cgs, cgs), g.CPerGroup, g.H, g.W, g, cols[(i * g.OutPlane)..], ld);
    }

    // dyb (og, nb*ohw) = the og output planes of group gi of images n0 .. n0+nb-1, side by side.
    private static void GatherOutputs<T>(T[] dy, int dyo, int n0, int nb, int gi, ConvGeometry g, Span<T> dyb) where T : unmanaged
    {
        int ohw = g.OutPlane, og = g.OPerGroup, ld = nb * ohw;
        for (int i = 0; i < nb; i++)
            for (int o = 0; o < og; o++)
                dy.AsSpan(dyo + ((n0 + i) * g.O + gi * og + o) * ohw, ohw).CopyTo(dyb.Slice(o * ld + i * ohw, ohw));
    }

    private static void BatchedForward<T>(T[] x, int xo, T[] w, int wo, T[]? bias, int bo, T[] y, int yo, ConvGeometry g, int per)
        where T : unmanaged, INumber<T>
    {
        int ohw = g.OutPlane, og = g.OPerGroup, rows = g.ColRows, tasks = (g.N + per - 1) / per;
        WorkerPool.For(tasks * g.Groups, t =>
        {
            int n0 = t / g.Groups * per, nb = Math.Min(per, g.N - n0), gi = t % g.Groups, ld = nb * ohw;
            var buf = Scratch<T>.Get((rows + og) * ld);
            var cols = buf.AsSpan(0, rows * ld);
            var yb = buf.AsSpan(rows * ld, og * ld);
            LowerImages(x, xo, n0, nb, gi, g, cols, ld);
            Blas.Gemm(false, false, og, ld, rows, T.One, w.AsSpan(wo + gi * og * rows, og * rows), rows, cols, ld, T.Zero, yb, ld);
            for (int i = 0; i < nb; i++)
                for (int o = 0; o < og; o++)
                {
                    var src = yb.Slice(o * ld + i * ohw, ohw);
                    var dst = y.AsSpan(yo + ((n0 + i) * g.O + gi * og + o) * ohw, ohw);
                    if (bias != null) System.Numerics.Tensors.TensorPrimitives.Add(src, bias[bo + gi * og + o], dst);
                    else src.CopyTo(dst);
                }
        });
    }

    private static void BatchedBackwardInput<T>(T[] dy, int dyo, T[] w, int wo, T[] dx, int dxo, ConvGeometry g, int per) where T : unmanaged, INumber<T>
    {
        int chw = g.C * g.InPlane, cgs = g.CPerGroup * g.InPlane, ohw = g.OutPlane, og = g.OPerGroup, rows = g.ColRows;
        int tasks = (g.N + per - 1) / per;
        WorkerPool.For(tasks * g.Groups, t =>
        {
            int n0 = t / g.Groups * per, nb = Math.Min(per, g.N - n0), gi = t % g.Groups, ld = nb * ohw;
            var buf = Scratch<T>.Get((rows + og) * ld);
            var dcols = buf.AsSpan(0, rows * ld);
            var dyb = buf.AsSpan(rows * ld, og * ld);
            GatherOutputs(dy, dyo, n0, nb, gi, g, dyb);
            Blas.Gemm(true, false, rows, ld, og, T.One, w.AsSpan(wo + gi * og * rows, og * rows), rows, dyb, ld, T.Zero, dcols, ld);
            for (int i = 0; i < nb; i++)
                Im2Col.Raise<T>(dcols[(i * ohw)..], g.CPerGroup, g.H, g.W, g, dx.AsSpan(dxo + (n0 + i) * chw + gi * cgs, cgs), ld);
        });
    }

    // The runs of images are dealt round-robin to a few slots (WeightSlots, fixed); each slot sums its runs' weight
    // gradients in order into its own buffer (the GEMM accumulating with beta = 1), and the slots are added in order.
    // A slot per run would cost runs x the weight size: 38 MB per call for a 256-channel 3x3 layer at batch 128.
    private static void BatchedBackwardWeight<T>(T[] dy, int dyo, T[] x, int xo, Span<T> dw, ConvGeometry g, int per) where T : unmanaged, INumber<T>
    {
        int ohw = g.OutPlane, og = g.OPerGroup, rows = g.ColRows, wsize = g.O * rows, tasks = (g.N + per - 1) / per;
        int slots = Math.Min(tasks, WeightSlots);
        var partial = Fovea.Memory.BufferPool<T>.Rent(slots * wsize);
        try
        {
            WorkerPool.For(slots, s =>
            {
                for (int t = s; t < tasks; t += slots)
                {
                    int n0 = t * per, nb = Math.Min(per, g.N - n0), ld = nb * ohw;
                    var buf = Scratch<T>.Get((rows + og) * ld);
                    var cols = buf.AsSpan(0, rows * ld);
                    var dyb = buf.AsSpan(rows * ld, og * ld);
                    for (int gi = 0; gi < g.Groups; gi++)
                    {
                        LowerImages(x, xo, n0, nb, gi, g, cols, ld);
                        GatherOutputs(dy, dyo, n0, nb, gi, g, dyb);
                        Blas.Gemm(false, true, og, rows, ld, T.One, dyb, ld, cols, ld, t == s ? T.Zero : T.One,
                            partial.AsSpan(s * wsize + gi * og * rows, og * rows), rows);
                    }
                }
            });
            partial.AsSpan(0, wsize).CopyTo(dw);
            for (int s = 1; s < slots; s++) System.Numerics.Tensors.TensorPrimitives.Add(dw, partial.AsSpan(s * wsize, wsize), dw);
        }
        finally { Fovea.Memory.BufferPool<T>.Return(partial); }
    }

    private const int WeightSlots = 4;

    // ---------------------------------------------------------------- depthwise (one input channel per group)
    // Output voxel (od, oh, ow) of channel o reads input voxel (od*s + kd*d - p, ...) of channel o / (O/groups) for each
    // tap (kd, ki, kj); taps that fall into the padding are skipped.

    private static void DepthwiseForward<T>(T[] x, int xImage, T[] w, int wo, T[] y, int yPlane, int o, ConvGeometry g, T[]? bias, int bo)
        where T : unmanaged, INumber<T>
    {
        int xPlane = xImage + o / g.OPerGroup * g.InPlane, wBase = wo + o * g.Taps;
        T b = bias != null ? bias[bo + o] : T.Zero;
        int outIdx = yPlane;
        for (int od = 0; od < g.OD; od++)
            for (int oh = 0; oh < g.OH; oh++)
                for (int ow = 0; ow < g.OW; ow++)
                {
                    T acc = b;
                    for (int kd = 0; kd < g.KD; kd++)
                    {
                        int id = od * g.StrideD - g.PadFront + kd * g.DilationD;
                        if ((uint)id >= (uint)g.D) continue;
                        for (int ki = 0; ki < g.KH; ki++)
                        {
                            int ih = oh * g.Stride.H - g.Pad.Top + ki * g.Dilation.H;
                            if ((uint)ih >= (uint)g.H) continue;
                            int xRow = xPlane + (id * g.H + ih) * g.W, wRow = wBase + (kd * g.KH + ki) * g.KW;
                            for (int kj = 0; kj < g.KW; kj++)
                            {
                                int iw = ow * g.Stride.W - g.Pad.Left + kj * g.Dilation.W;
                                if ((uint)iw < (uint)g.W) acc += x[xRow + iw] * w[wRow + kj];
                            }
                        }
                    }
                    y[outIdx++] = acc;
                }
    }

    private static void DepthwiseBackwardInput<T>(T[] dy, int dyImage, T[] w, int wo, T[] dx, int dxPlane, int c, ConvGeometry g)
        where T : unmanaged, INumber<T>
    {
        for (int m = 0; m < g.OPerGroup; m++)
        {
            int o = c * g.OPerGroup + m, wBase = wo + o * g.Taps;
            int dyIdx = dyImage + o * g.OutPlane;
            for (int od = 0; od < g.OD; od++)
                for (int oh = 0; oh < g.OH; oh++)
                    for (int ow = 0; ow < g.OW; ow++)
                    {
                        T d = dy[dyIdx++];
                        for (int kd = 0; kd < g.KD; kd++)
                        {
                            int id = od * g.StrideD - g.PadFront + kd * g.DilationD;
                            if ((uint)id >= (uint)g.D) continue;
                            for (int ki = 0; ki < g.KH; ki++)
                            {
                                int ih = oh * g.Stride.H - g.Pad.Top + ki * g.Dilation.H;
                                if ((uint)ih >= (uint)g.H) continue;
                                int xRow = dxPlane + (id * g.H + ih) * g.W, wRow = wBase + (kd * g.KH + ki) * g.KW;
                                for (int kj = 0; kj < g.KW; kj++)
                                {
                                    int iw = ow * g.Stride.W - g.Pad.Left + kj * g.Dilation.W;
                                    if ((uint)iw < (uint)g.W) dx[xRow + iw] += d * w[wRow + kj];
                                }
                            }
                        }
                    }
        }
    }

    private static void DepthwiseBackwardWeight<T>(T[] dy, int dyo, T[] x, int xo, T[] dw, int dwBase, int o, ConvGeometry g)
        where T : unmanaged, INumber<T>
    {
        int c = o / g.OPerGroup, tap = 0;
        for (int kd = 0; kd < g.KD; kd++)
            for (int ki = 0; ki < g.KH; ki++)
                for (int kj = 0; kj < g.KW; kj++, tap++)
                {
                    T acc = T.Zero;
                    for (int n = 0; n < g.N; n++)
                    {
                        int dyPlane = dyo + (n * g.O + o) * g.OutPlane, xPlane = xo + (n * g.C + c) * g.InPlane;
                        for (int od = 0; od < g.OD; od++)
                        {
                            int id = od * g.StrideD - g.PadFront + kd * g.DilationD;
                            if ((uint)id >= (uint)g.D) continue;
                            for (int oh = 0; oh < g.OH; oh++)
                            {
                                int ih = oh * g.Stride.H - g.Pad.Top + ki * g.Dilation.H;
                                if ((uint)ih >= (uint)g.H) continue;
                                int dyRow = dyPlane + (od * g.OH + oh) * g.OW, xRow = xPlane + (id * g.H + ih) * g.W;
                                for (int ow = 0; ow < g.OW; ow++)
                                {
                                    int iw = ow * g.Stride.W - g.Pad.Left + kj * g.Dilation.W;
                                    if ((uint)iw < (uint)g.W) acc += dy[dyRow + ow] * x[xRow + iw];
                                }
                            }
                        }
                    }
                    dw[dwBase + tap] = acc;
                }
    }
}

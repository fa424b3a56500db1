// An inverted residual block for inference (MobileNetV2): 1x1 expansion (optional), depthwise convolution, 1x1
// projection (+ residual), without writing the expanded or depthwise tensors out. Those are 6x the block's input; at
// batch 8 they are tens of megabytes written to memory and read back. Each task takes a strip of output rows of one
// image: it expands just the input rows the strip's taps reach (the packed 1x1 weights times those rows of the image,
// read in place, finished with bias and clamp) into a buffer that stays in L2, runs the depthwise kernel over that
// into a second buffer, and projects the result into the strip's rows of y (bias, residual, clamp in the GEMM's
// tiles). Neighbouring strips both expand the rows their taps share (KH - stride of them), so strips are kept tall.
using System.Runtime.Intrinsics.X86;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal static unsafe class ExpandDepthwiseProject
{
    private const int BufferFloats = 160 * 1024;   // a strip's expanded and depthwise rows: 640 KB of the 1 MB L2

    /// <summary>
    /// Blocks on AVX-512 whose inner tensor is worth keeping out of memory (at least 1 MB an image) and whose strips
    /// recompute at most a quarter more expanded rows than the image has.
    /// </summary>
    public static bool Handles(FusedStage? expand, FusedStage depthwise, FusedStage project)
    {
        var g = depthwise.G;
        return Avx512F.IsSupported && Sgemm.Level == SimdLevel.Avx512 && (expand is not { } e || (e.G.IsPointwise && e.G.Groups == 1))
            && project.G.IsPointwise && project.G.Groups == 1 && g.D == 1 && g.KD == 1 && g.Groups == g.C && g.O == g.C && g.Stride.W is 1 or 2
            && (long)g.C * g.H * g.W >= 256 * 1024 && Plan(g, expand != null).Expanded <= 1.25 * g.H;
    }

    // Strips per image, and the input rows all of them read together.
    private static (int Strips, long Expanded) Plan(ConvGeometry g, bool expands)
    {
        int reach = (g.KH - 1) * g.Dilation.H, sh = g.Stride.H, threads = WorkerPool.ThreadCount;
        // Output rows per strip: as many as the buffers hold (the expanded rows, s of them per output row, and the
        // depthwise output), then fewer if that leaves a thread idle.
        int perStrip = Math.Max(1, (BufferFloats / g.C - (expands ? (reach + 1) * g.W : 0)) / ((expands ? sh * g.W : 0) + g.OW));
        int strips = (g.OH + perStrip - 1) / perStrip;
        if (g.N * strips < 2 * threads) strips = Math.Min(g.OH, (2 * threads + g.N - 1) / g.N);
        long expanded = 0;
        for (int s = 0; s < strips; s++)
        {
            var (r0, r1) = InputRows(g, (int)((long)s * g.OH / strips), (int)((long)(s + 1) * g.OH / strips));
            expanded += r1 - r0;
        }
        return (strips, expanded);
    }

    // The input rows [r0, r1) that output rows [oh0, oh1) read.
    private static (int R0, int R1) InputRows(ConvGeometry g, int oh0, int oh1) =>
        (Math.Max(0, oh0 * g.Stride.H - g.Pad.Top), Math.Min(g.H, (oh1 - 1) * g.Stride.H - g.Pad.Top + (g.KH - 1) * g.Dilation.H + 1));

    [ThreadStatic] private static float[]? _expanded, _depthwise;
    [ThreadStatic] private static long[]? _rows;

    /// <summary>
    /// y = clamp(P depthwise(clamp(E x + b1)) + b3 + residual) for x (N, C, H, W), each stage's weights packed in its
    /// <see cref="FusedStage.Pack"/> (the depthwise weights used as they are); no expansion: the depthwise layer reads x.
    /// </summary>
    public static void Forward(Tensor x, FusedStage? expand, FusedStage depthwise, FusedStage project, Tensor? residual, Tensor y)
    {
        var g = depthwise.G;
        int strips = Plan(g, expand != null).Strips, hidden = g.C, outPlane = g.OH * g.OW, outChannels = project.G.O;
        PackedA? e = expand is { } ex ? ex.Pack.For(ex.W, ex.G)[0] : null, p = project.Pack.For(project.W, project.G)[0];
        if (p == null || (expand != null && e == null)) throw new InvalidOperationException("ExpandDepthwiseProject: the 1x1 weights need the SIMD GEMM.");
        float[] xs = x.RawArray<float>(), w2 = depthwise.W.RawArray<float>(), ys = y.RawArray<float>();
        float[]? b2 = depthwise.Bias?.RawArray<float>();
        int inChannels = expand?.G.C ?? hidden, inPlane = g.H * g.W;
        WorkerPool.For(g.N * strips, task =>
        {
            int n = task / strips, s = task % strips;
            int oh0 = (int)((long)s * g.OH / strips), oh1 = (int)((long)(s + 1) * g.OH / strips), outRows = oh1 - oh0;
            var (r0, r1) = InputRows(g, oh0, oh1);
            int rows = Math.Max(0, r1 - r0);
            long image = x.Offset + (long)n * inChannels * inPlane;
            // The depthwise layer's input: the expanded rows (hidden planes of rows x W), or the image's rows in place.
            float[] source = xs;
            long sourceAt = image + (long)r0 * g.W, sourcePlane = inPlane;
            var offsets = ThreadBuffer.Grow(ref _rows, Math.Max(inChannels, hidden));
            if (expand is { } ex && rows > 0)
            {
                source = ThreadBuffer.Grow(ref _expanded, (long)hidden * rows * g.W);
                (sourceAt, sourcePlane) = (0, (long)rows * g.W);
                // B's row c: input channel c's rows r0 .. r1, in place (its last sliver read past the end when the
                // storage goes on that far).
                for (int c = 0; c < inChannels; c++) offsets[c] = (long)c * inPlane + (long)r0 * g.W;
                bool readsPastN = image + (long)(inChannels - 1) * inPlane + (long)r1 * g.W + 32 <= xs.Length;
                fixed (float* px = xs, pe = source, pb = ex.Bias?.RawArray<float>())
                fixed (long* po = offsets)
                    Sgemm.GemmRowOffsets(hidden, rows * g.W, inChannels, e, null, px + image, po, pe, rows * g.W,
                        new GemmEpilogue(pb == null ? null : pb + ex.Bias!.Offset, null, ex.Min, ex.Max), readsPastN);
            }
            // The strip as an image of its own (rows r0 .. r1 of the input, output rows oh0 .. oh1) into the depthwise
            // buffer, then 32 floats the projection may read past its last row.
            var strip = g with { N = 1, H = rows, OH = outRows, Pad = g.Pad with { Top = r0 - (oh0 * g.Stride.H - g.Pad.Top) } };
            var d = ThreadBuffer.Grow(ref _depthwise, (long)hidden * outRows * g.OW + 32);
            DepthwiseFloat.Forward(source, (int)sourceAt, w2, depthwise.W.Offset, b2, depthwise.Bias?.Offset ?? 0, d, 0, strip, 0, hidden,
                depthwise.Min, depthwise.Max, sourcePlane);
            for (int c = 0; c < hidden; c++) offsets[c] = (long)c * outRows * g.OW;
            long at = y.Offset + (long)n * outChannels * outPlane + (long)oh0 * g.OW;
            fixed (float* pd = d, py = ys, pb = project.Bias?.RawArray<float>(), pr = residual?.RawArray<float>())
            fixed (long* po = offsets)
            {
                var epilogue = new GemmEpilogue(pb == null ? null : pb + project.Bias!.Offset, pr == null ? null : pr + residual!.Offset + (at - y.Offset),
                    project.Min, project.Max);
                Sgemm.GemmRowOffsets(outChannels, outRows * g.OW, hidden, p, null, pd, po, py + at, outPlane, epilogue, readsPastN: true);
            }
        });
        GC.KeepAlive(e);
        GC.KeepAlive(p);
    }
}

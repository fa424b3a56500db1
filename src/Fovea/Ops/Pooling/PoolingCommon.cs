// Shared plumbing of the pooling and resampling ops: input validation, pooling windows from PyTorch-style
// arguments, linear maps whose gradient is their adjoint (average pools, interpolation, fold/unfold: any
// derivative order works because each backward is recorded the same way), and the per-plane index
// gather/scatter pair behind max pooling's backward and max-unpooling.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>A contiguous view or copy of <paramref name="x"/> for a kernel to read, outside the graph.</summary>
    internal static Tensor KernelInput(Tensor x)
    {
        using var _ = GradMode.NoGrad();
        return x.Contiguous();
    }

    /// <summary>
    /// y = A x for a linear map A given by a kernel that writes A x (<paramref name="apply"/>) and one that writes
    /// the adjoint (<paramref name="adjoint"/>); the gradient is the adjoint map, recorded the same way.
    /// </summary>
    internal static Tensor LinearMap(Tensor x, Shape outShape, string name, Action<Tensor, Tensor> apply, Action<Tensor, Tensor> adjoint)
    {
        var y = Empty(outShape, x.DType);
        using (var xc = KernelInput(x)) apply(xc, y);
        if (!Graph.Needs(x)) return y;
        var inShape = x.Shape;
        string back = name.EndsWith("Backward", StringComparison.Ordinal) ? name[..^"Backward".Length] : name + "Backward";
        return Graph.Record(y, name, [x], g => [LinearMap(g, inShape, back, adjoint, apply)]);
    }

    /// <summary>Checks a pooling input: (N, C, *spatial) or (C, *spatial), float32 or float64, non-empty spatial dims.</summary>
    internal static void CheckSpatialInput(Tensor x, int spatial, string op)
    {
        x.ThrowIfDisposed();
        string dims = spatial switch { 1 => "L", 2 => "H, W", _ => "D, H, W" };
        if (x.Rank != spatial + 1 && x.Rank != spatial + 2)
            throw new ArgumentException($"{op}: input must be (N, C, {dims}) or (C, {dims}), got shape {x.Shape}.");
        if (x.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"{op}: input must be float32 or float64, got {DTypes.Name(x.DType)}.");
        for (int d = x.Rank == spatial + 2 ? 1 : 0; d < x.Rank; d++)
            if (x.Size(d) == 0)
                throw new ArgumentException($"{op}: input has an empty channel or spatial dimension, shape {x.Shape}.");
    }

    /// <summary>The number of planes (product of the dims before the spatial ones).</summary>
    internal static int Planes(Tensor x, int spatial)
    {
        int p = 1;
        for (int d = 0; d < x.Rank - spatial; d++) p *= x.Size(d);
        return p;
    }

    /// <summary>x's shape with its last <paramref name="spatial"/> sizes replaced by <paramref name="sizes"/>.</summary>
    internal static Shape SpatialShape(Tensor x, int spatial, params int[] sizes)
    {
        var s = x.ShapeArray.ToArray();
        for (int i = 0; i < spatial; i++) s[x.Rank - spatial + i] = sizes[sizes.Length - spatial + i];
        return new Shape(s);
    }

    private static int Axis(Size3 s, int axis) => axis switch { 0 => s.D, 1 => s.H, _ => s.W };

    /// <summary>Input size of axis (0 = D, 1 = H, 2 = W) of a pool over the last <paramref name="spatial"/> dims; 1 if unused.</summary>
    private static int SpatialSize(Tensor x, int spatial, int axis) => axis < 3 - spatial ? 1 : x.Size(x.Rank - 3 + axis);

    /// <summary>Validated fixed-window pooling geometry (PyTorch's checks and output sizes).</summary>
    internal static PoolWindows FixedPoolWindows(Tensor x, int spatial, PoolSpec spec, string op, bool countIncludePad = true, int? divisorOverride = null)
    {
        CheckSpatialInput(x, spatial, op);
        var axes = new PoolAxis[3];
        var outs = new int[3];
        for (int a = 0; a < 3; a++)
        {
            if (a < 3 - spatial) { axes[a] = PoolAxis.Unit; outs[a] = 1; continue; }
            int k = Axis(spec.Kernel, a), s = Axis(spec.Stride, a), p = Axis(spec.Pad, a), d = Axis(spec.Dilation, a), n = SpatialSize(x, spatial, a);
            if (k <= 0 || s <= 0 || d <= 0)
                throw new ArgumentOutOfRangeException(nameof(spec), $"{op}: kernel size, stride and dilation must be > 0, got kernel {spec.Kernel}, stride {spec.Stride}, dilation {spec.Dilation}.");
            if (p < 0 || p > k / 2)
                throw new ArgumentOutOfRangeException(nameof(spec), $"{op}: padding must be >= 0 and at most half the kernel size, got padding {spec.Pad} for kernel {spec.Kernel}.");
            outs[a] = PoolAxis.OutputSize(n, k, s, p, d, spec.CeilMode);
            if (outs[a] <= 0)
                throw new ArgumentException($"{op}: output size is too small: input {x.Shape} with kernel {spec.Kernel}, stride {spec.Stride}, padding {spec.Pad}, dilation {spec.Dilation} gives output size {outs[a]} along spatial dim {a - (3 - spatial)}.");
            axes[a] = PoolAxis.Fixed(n, outs[a], k, s, p, d);
        }
        if (divisorOverride is int dv && dv == 0) throw new ArgumentOutOfRangeException(nameof(divisorOverride), $"{op}: divisorOverride must be non-zero.");
        return new PoolWindows(Planes(x, spatial), axes[0], axes[1], axes[2], countIncludePad, divisorOverride);
    }

    /// <summary>Validated adaptive pooling geometry for output sizes <paramref name="output"/> (last <paramref name="spatial"/> used).</summary>
    internal static PoolWindows AdaptivePoolWindows(Tensor x, int spatial, Size3 output, string op)
    {
        CheckSpatialInput(x, spatial, op);
        var axes = new PoolAxis[3];
        for (int a = 0; a < 3; a++)
        {
            if (a < 3 - spatial) { axes[a] = PoolAxis.Unit; continue; }
            int o = Axis(output, a);
            if (o <= 0) throw new ArgumentOutOfRangeException(nameof(output), $"{op}: output size must be > 0, got {output} for input {x.Shape}.");
            axes[a] = PoolAxis.Adaptive(SpatialSize(x, spatial, a), o);
        }
        return new PoolWindows(Planes(x, spatial), axes[0], axes[1], axes[2]);
    }

    internal static Shape PoolOutShape(Tensor x, int spatial, PoolWindows w) => SpatialShape(x, spatial, w.D.Out, w.H.Out, w.W.Out);

    /// <summary>Padding of a pool given as a Padding2d: symmetric per axis and never 'same'.</summary>
    internal static Size2 PoolPadding(Padding2d? padding, string op)
    {
        var p = padding ?? 0;
        if (p.IsSame || p.Top != p.Bottom || p.Left != p.Right)
            throw new ArgumentException($"{op}: padding must be symmetric (an int or (padH, padW)), got {p}.");
        return new Size2(p.Top, p.Left);
    }

    // ---------------------------------------------------------------- index gather / scatter per plane

    /// <summary>
    /// result[..., i] = src[..., idx[..., i]] with flat indices into the last <paramref name="spatial"/> dims of
    /// src; the result has idx's shape. The gradient scatters back (<see cref="ScatterPlanes"/>).
    /// </summary>
    internal static Tensor GatherPlanes(Tensor src, Tensor idx, int spatial, string name)
    {
        var y = Empty(idx.Shape, src.DType);
        using (var sc = KernelInput(src))
        using (var ic = KernelInput(idx))
            PoolingKernels.For(src.Device).GatherPlanes(sc, ic, y, Planes(idx, spatial));
        if (!Graph.Needs(src)) return y;
        var inShape = src.Shape;
        return Graph.Record(y, name, [src], g => [ScatterPlanes(g, idx, inShape, spatial, accumulate: true, name + "Backward")], idx);
    }

    /// <summary>
    /// A tensor of <paramref name="outShape"/>, zero except at the flat per-plane positions idx, which receive
    /// values (summed when <paramref name="accumulate"/>). The gradient gathers (<see cref="GatherPlanes"/>).
    /// </summary>
    internal static Tensor ScatterPlanes(Tensor values, Tensor idx, Shape outShape, int spatial, bool accumulate, string name)
    {
        var y = Empty(outShape, values.DType);
        using (var vc = KernelInput(values))
        using (var ic = KernelInput(idx))
            PoolingKernels.For(values.Device).ScatterPlanes(vc, ic, y, Planes(idx, spatial), accumulate);
        if (!Graph.Needs(values)) return y;
        return Graph.Record(y, name, [values], g => [GatherPlanes(g, idx, spatial, name + "Backward")], idx);
    }
}

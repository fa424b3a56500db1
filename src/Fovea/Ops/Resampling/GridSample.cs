// Spatial transformers: affine sampling grids (torch.nn.functional.affine_grid) and sampling an image at a
// grid of normalised points (grid_sample, 2-d, bilinear or nearest) with gradients to the image and the grid.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

/// <summary>How <see cref="Tensor.GridSample"/> treats points outside the image.</summary>
internal enum GridPadding { Zeros, Border, Reflection }

/// <summary>Resolved options of one grid sampling.</summary>
internal readonly record struct GridSampleOptions(bool Nearest, GridPadding Padding, bool AlignCorners);

public sealed partial class Tensor
{
    /// <summary>
    /// The sampling grid (N, H, W, 2) of affine maps theta (N, 2, 3) for an output of
    /// <paramref name="size"/> = (N, C, H, W): grid[n, i, j] = theta[n] @ (x_j, y_i, 1), with x and y spanning
    /// [-1, 1] (pixel centres when <paramref name="alignCorners"/> is false, corner pixels' centres when true).
    /// </summary>
    public static Tensor AffineGrid(Tensor theta, int[] size, bool alignCorners = false)
    {
        const string op = "AffineGrid";
        theta.ThrowIfDisposed();
        if (theta.DType is not (DType.Float32 or DType.Float64)) throw new ArgumentException($"{op}: theta must be float32 or float64, got {DTypes.Name(theta.DType)}.");
        if (size.Length != 4) throw new ArgumentException($"{op}: size must be (N, C, H, W), got ({string.Join(", ", size)}); only 2-d grids are supported.");
        if (theta.Rank != 3 || theta.Size(1) != 2 || theta.Size(2) != 3 || theta.Size(0) != size[0])
            throw new ArgumentException($"{op}: theta must have shape ({size[0]}, 2, 3) for size ({string.Join(", ", size)}), got {theta.Shape}.");
        int h = size[2], w = size[3];
        if (h <= 0 || w <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"{op}: output size must be > 0, got ({string.Join(", ", size)}).");
        var xs = GridAxis(w, alignCorners);
        var ys = GridAxis(h, alignCorners);
        var basis = new double[h * w * 3];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
            {
                int at = (i * w + j) * 3;
                basis[at] = xs[j];
                basis[at + 1] = ys[i];
                basis[at + 2] = 1;
            }
        using var b64 = FromArray(basis, 1, h * w, 3);
        var b = b64.To(theta.DType);   // kept alive: MatMul saves its operands for the backward
        using var flat = MatMul(b, theta.Transpose(1, 2));
        return flat.Reshape(size[0], h, w, 2);
    }

    // -1 .. 1 over n steps (0 for a single step), shrunk by (n-1)/n to pixel centres unless aligning corners.
    private static double[] GridAxis(int n, bool alignCorners)
    {
        var r = new double[n];
        if (n <= 1) return r;
        for (int i = 0; i < n; i++)
        {
            double v = -1 + 2.0 * i / (n - 1);
            r[i] = alignCorners ? v : v * (n - 1) / n;
        }
        return r;
    }

    /// <summary>
    /// Samples x (N, C, H, W) at grid (N, OH, OW, 2), whose last dim holds (x, y) in [-1, 1]; returns
    /// (N, C, OH, OW). <paramref name="mode"/>: "bilinear" or "nearest"; <paramref name="paddingMode"/>:
    /// "zeros", "border" or "reflection". Gradients flow to x and (bilinear) to the grid; they are computed by
    /// kernels, so a second derivative is not available.
    /// <example><code>var grid = Tensor.AffineGrid(theta, [n, c, 32, 32]);
    /// var warped = Tensor.GridSample(x, grid, paddingMode: "border");</code></example>
    /// </summary>
    public static Tensor GridSample(Tensor x, Tensor grid, string mode = "bilinear", string paddingMode = "zeros", bool alignCorners = false)
    {
        const string op = "GridSample";
        x.ThrowIfDisposed();
        grid.ThrowIfDisposed();
        CheckSameDevice(op, x, grid);
        var o = new GridSampleOptions(
            mode switch { "bilinear" => false, "nearest" => true, _ => throw new ArgumentException($"{op}: mode must be 'bilinear' or 'nearest', got '{mode}'.") },
            paddingMode switch
            {
                "zeros" => GridPadding.Zeros,
                "border" => GridPadding.Border,
                "reflection" => GridPadding.Reflection,
                _ => throw new ArgumentException($"{op}: paddingMode must be 'zeros', 'border' or 'reflection', got '{paddingMode}'."),
            },
            alignCorners);
        if (x.Rank != 4) throw new ArgumentException($"{op}: input must be (N, C, H, W), got shape {x.Shape}.");
        if (grid.Rank != 4 || grid.Size(3) != 2 || grid.Size(0) != x.Size(0))
            throw new ArgumentException($"{op}: grid must be ({x.Size(0)}, OH, OW, 2) for input {x.Shape}, got {grid.Shape}.");
        if (x.DType is not (DType.Float32 or DType.Float64) || grid.DType != x.DType)
            throw new ArgumentException($"{op}: input and grid must both be float32 or float64, got {DTypes.Name(x.DType)} and {DTypes.Name(grid.DType)}.");
        if (x.Size(2) == 0 || x.Size(3) == 0) throw new ArgumentException($"{op}: input has an empty spatial dimension, shape {x.Shape}.");

        var k = ResamplingKernels.For(x.Device);
        var y = Empty(new Shape(x.Size(0), x.Size(1), grid.Size(1), grid.Size(2)), x.DType);
        using (var xc = KernelInput(x))
        using (var gc = KernelInput(grid))
            k.GridSample(xc, gc, y, o);
        if (!Graph.Needs(x, grid)) return y;
        return Graph.Record(y, op, [x, grid], dy =>
        {
            using var dyc = KernelInput(dy);
            using var xc = KernelInput(x);
            using var gc = KernelInput(grid);
            var dx = x.RequiresGrad ? Empty(x.Shape, x.DType) : null;
            var dg = grid.RequiresGrad ? Empty(grid.Shape, grid.DType) : null;
            k.GridSampleBackward(dyc, xc, gc, dx, dg, o);
            return [dx, dg];
        }, x, grid);
    }
}

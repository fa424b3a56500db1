// Padding with torch.nn.functional.pad semantics. Constant padding copies the input into a filled tensor
// (negative padding crops) and its gradient is the opposite padding; reflect, replicate and circular padding
// map every output position of a dimension to an input position and gather, so their gradient scatter-adds
// back through the same map.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Pads <paramref name="x"/> like torch.nn.functional.pad: <paramref name="pad"/> holds (left, right) pairs
    /// starting from the last dimension and moving forward, e.g. (1, 1, 2, 0) pads the last dimension by one on
    /// each side and the one before it by two at the start. Modes: "constant" (fill with
    /// <paramref name="value"/>; negative padding crops), "reflect" (mirror without repeating the edge; padding
    /// must be smaller than the size), "replicate" (repeat the edge) and "circular" (wrap around; padding at
    /// most the size).
    /// <example><code>var y = Tensor.Pad(img, [2, 2, 2, 2], "reflect");   // (N, C, H, W) -> (N, C, H+4, W+4)</code></example>
    /// </summary>
    public static Tensor Pad(Tensor x, int[] pad, string mode = "constant", double value = 0)
    {
        x.ThrowIfDisposed();
        if (pad.Length % 2 != 0)
            throw new ArgumentException($"Pad: padding must come in (left, right) pairs, got {pad.Length} values ({string.Join(", ", pad)}).", nameof(pad));
        if (pad.Length / 2 > x.Rank)
            throw new ArgumentException($"Pad: {pad.Length / 2} dimensions to pad ({string.Join(", ", pad)}) but the input has only {x.Rank} (shape {x.Shape}).", nameof(pad));
        if (mode == "constant") return ConstantPad(x, pad, value);
        if (mode is not ("reflect" or "replicate" or "circular"))
            throw new ArgumentException($"Pad: unknown mode \"{mode}\"; expected \"constant\", \"reflect\", \"replicate\" or \"circular\".", nameof(mode));
        if (value != 0) throw new ArgumentException($"Pad: mode \"{mode}\" takes no fill value, got {value}.", nameof(value));
        return MapPad(x, pad, mode);
    }

    // The dimension padded by pair k (pairs run from the last dimension backwards).
    private static int PadDim(Tensor x, int pair) => x.Rank - 1 - pair;

    private static Tensor ConstantPad(Tensor x, int[] pad, double value)
    {
        var outShape = (int[])x.ShapeArray.Clone();
        for (int k = 0; k < pad.Length / 2; k++)
        {
            int d = PadDim(x, k);
            long n = (long)outShape[d] + pad[2 * k] + pad[2 * k + 1];
            if (n < 0 || n > int.MaxValue)
                throw new ArgumentException($"Pad: padding ({pad[2 * k]}, {pad[2 * k + 1]}) of dimension {d} (size {outShape[d]}, input shape {x.Shape}) gives an invalid size {n}.", nameof(pad));
            outShape[d] = (int)n;
        }
        var y = Full(outShape, value, x.DType);
        CopyPadInterior(x, y, pad);
        if (!Graph.Needs(x)) return y;
        var back = pad.Select(p => -p).ToArray();
        return Graph.Record(y, "ConstantPad", [x], g => [Pad(g, back, "constant", 0)]);
    }

    // Copies the part of x that survives cropping to its place in y: y index j along a padded dim holds x index j - left.
    private static void CopyPadInterior(Tensor x, Tensor y, int[] pad)
    {
        var shape = (int[])x.ShapeArray.Clone();
        int src = x.Offset, dst = y.Offset;
        for (int k = 0; k < pad.Length / 2; k++)
        {
            int d = PadDim(x, k), left = pad[2 * k], right = pad[2 * k + 1];
            int start = Math.Max(0, -left);
            int len = x.ShapeArray[d] - start - Math.Max(0, -right);
            if (len <= 0) return; // nothing of x is left
            shape[d] = len;
            src += start * x.StrideArray[d];
            dst += (start + left) * y.StrideArray[d];
        }
        if (y.NumElements == 0 || shape.Contains(0)) return;
        using var from = x.View(shape, (int[])x.StrideArray.Clone(), src);
        using var to = y.View((int[])shape.Clone(), (int[])y.StrideArray.Clone(), dst);
        ElementwiseKernels.For(y.Device).Copy(from, to);
    }

    private static Tensor MapPad(Tensor x, int[] pad, string mode)
    {
        var maps = new int[pad.Length / 2][];
        for (int k = 0; k < maps.Length; k++)
            maps[k] = PadMap(x, PadDim(x, k), pad[2 * k], pad[2 * k + 1], mode);
        Tensor? y = null;
        for (int k = 0; k < maps.Length; k++)
        {
            if (pad[2 * k] == 0 && pad[2 * k + 1] == 0) continue;
            var next = (y ?? x).IndexAlong(PadDim(x, k), maps[k]);
            y?.Dispose();
            y = next;
        }
        return y ?? x.Clone();
    }

    // For each output index j of dimension d, the input index it copies.
    private static int[] PadMap(Tensor x, int d, int left, int right, string mode)
    {
        int size = x.ShapeArray[d];
        long n = (long)size + left + right;
        string where = $"padding ({left}, {right}) of dimension {d} (size {size}, input shape {x.Shape})";
        if (mode == "reflect" && (left >= size || right >= size))
            throw new ArgumentException($"Pad: reflect {where}: padding must be less than the size of the dimension.", nameof(x));
        if (mode == "circular" && (left > size || right > size))
            throw new ArgumentException($"Pad: circular {where}: padding may not exceed the size of the dimension (it would wrap around more than once).", nameof(x));
        if (n < 1 || n > int.MaxValue || size == 0)
            throw new ArgumentException($"Pad: {mode} {where} gives output size {n}; it must be at least 1 and the input dimension non-empty.", nameof(x));
        // Circular padding wraps around what is left of the dimension after negative padding has cropped it.
        int start = Math.Max(0, -left), period = size - start - Math.Max(0, -right);
        if (mode == "circular" && period < 1)
            throw new ArgumentException($"Pad: circular {where} crops the whole dimension.", nameof(x));
        var map = new int[n];
        for (int j = 0; j < n; j++)
        {
            int i = j - left;
            map[j] = mode switch
            {
                "reflect" => i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i,
                "replicate" => Math.Clamp(i, 0, size - 1),
                _ => start + ((j - Math.Max(0, left)) % period + period) % period,
            };
        }
        return map;
    }
}

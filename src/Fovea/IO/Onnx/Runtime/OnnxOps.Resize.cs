// ONNX Resize (opsets 10-19) and Upsample: each resized axis is a set of taps (source indices and weights per
// output position) from ONNX's coordinate transformation and interpolation rules, applied with IndexSelect and
// element-wise products so the result is differentiable. Nearest (all rounding modes), linear and cubic.
namespace Fovea.IO.Onnx;

internal static partial class OnnxOps
{
    private static void AddResize(Dictionary<string, Func<OnnxNodeContext, Tensor[]>> t)
    {
        t["Resize"] = c => One(Resize(c));
        t["Upsample"] = c => One(Upsample(c));
    }

    /// <summary>How one resize maps output positions to input coordinates and interpolates between them.</summary>
    private sealed record ResizeRule(string Mode, string Coordinates, string Nearest, double CubicA, bool ExcludeOutside);

    private static Tensor Resize(OnnxNodeContext c)
    {
        var x = c.In(0);
        if (c.Int("antialias", 0) != 0) throw new NotSupportedException($"Resize node '{c.Node.Name}' (opset {c.Opset}): antialias is not supported.");
        var rule = new ResizeRule(c.String("mode", "nearest"),
            c.Opset < 11 ? "asymmetric" : c.String("coordinate_transformation_mode", "half_pixel"),
            c.Opset < 11 ? "simple" : c.String("nearest_mode", "round_prefer_floor"),
            c.Float("cubic_coeff_a", -0.75f), c.Int("exclude_outside", 0) != 0);
        if (rule.Coordinates == "tf_crop_and_resize")
            throw new NotSupportedException($"Resize node '{c.Node.Name}' (opset {c.Opset}): coordinate_transformation_mode tf_crop_and_resize is not supported.");
        var scalesInput = c.Opset < 11 ? c.In(1) : c.OptNonEmpty(2);
        var sizesInput = c.Opset < 11 ? null : c.OptNonEmpty(3);
        int[] axes = c.Ints("axes", [.. Enumerable.Range(0, x.Rank)]).Select(a => c.Axis(a, x.Rank, "axes")).ToArray();
        var scales = Enumerable.Repeat(1.0, x.Rank).ToArray();
        var sizes = x.ShapeArray.ToArray();
        if (sizesInput != null) SizesFromInput(c, x, axes, OnnxNodeContext.Longs(sizesInput), scales, sizes);
        else if (scalesInput != null) ScalesFromInput(c, x, axes, OnnxNodeContext.Doubles(scalesInput), scales, sizes);
        else throw c.Invalid("needs scales or sizes");
        return ResizeAxes(c, x, scales, sizes, rule);
    }

    private static void SizesFromInput(OnnxNodeContext c, Tensor x, int[] axes, long[] given, double[] scales, int[] sizes)
    {
        if (given.Length != axes.Length) throw c.Invalid($"sizes has {given.Length} values for {axes.Length} axes");
        var shape = OnnxTensors.CheckShape(given, $"Resize node '{c.Node.Name}' sizes");
        string policy = c.String("keep_aspect_ratio_policy", "stretch");
        if (policy == "stretch")
        {
            for (int i = 0; i < axes.Length; i++) (sizes[axes[i]], scales[axes[i]]) = (shape[i], (double)shape[i] / x.Size(axes[i]));
            return;
        }
        var ratios = axes.Select((a, i) => (double)shape[i] / x.Size(a)).ToArray();
        double scale = policy switch
        {
            "not_larger" => ratios.Min(),
            "not_smaller" => ratios.Max(),
            _ => throw c.Invalid($"unknown keep_aspect_ratio_policy '{policy}'"),
        };
        foreach (int a in axes) (sizes[a], scales[a]) = ((int)Math.Round(scale * x.Size(a)), scale);
    }

    private static void ScalesFromInput(OnnxNodeContext c, Tensor x, int[] axes, double[] given, double[] scales, int[] sizes)
    {
        if (given.Length != axes.Length) throw c.Invalid($"scales has {given.Length} values for {axes.Length} axes");
        for (int i = 0; i < axes.Length; i++)
        {
            double s = given[i], size = Math.Floor(x.Size(axes[i]) * s);
            if (!(s > 0) || size > OnnxTensors.MaxElements) throw c.Invalid($"scale {s} for axis {axes[i]} must be positive and give a sane size");
            (scales[axes[i]], sizes[axes[i]]) = (s, (int)size);
        }
    }

    // Opset 7-9: asymmetric coordinates, nearest takes the floor (scales are >= 1).
    private static Tensor Upsample(OnnxNodeContext c)
    {
        var x = c.In(0);
        var scales = c.Opset < 9 ? c.Node.Attribute("scales")?.Floats.Select(f => (double)f).ToArray() ?? throw c.Invalid("scales are required") : OnnxNodeContext.Doubles(c.In(1));
        if (scales.Length != x.Rank || scales.Any(s => !(s >= 1))) throw c.Invalid($"needs one scale >= 1 per dim, got ({string.Join(", ", scales)})");
        var sizes = x.ShapeArray.Select((d, i) => (int)Math.Floor(d * scales[i])).ToArray();
        string mode = c.String("mode", "nearest") is "bilinear" or "linear" ? "linear" : "nearest";
        return ResizeAxes(c, x, scales, sizes, new ResizeRule(mode, "asymmetric", "floor", -0.75, false));
    }

    private static Tensor ResizeAxes(OnnxNodeContext c, Tensor x, double[] scales, int[] sizes, ResizeRule rule)
    {
        OnnxTensors.CheckShape([.. sizes.Select(s => (long)s)], $"Resize node '{c.Node.Name}' output");
        var y = x.Alias();
        for (int a = 0; a < x.Rank; a++)
        {
            if (sizes[a] == x.Size(a) && scales[a] == 1) continue;
            if (x.Size(a) == 0 || sizes[a] == 0) throw c.Invalid($"cannot resize axis {a} from {x.Size(a)} to {sizes[a]}");
            var (index, weight) = rule.Mode switch
            {
                "nearest" => NearestTaps(c, x.Size(a), sizes[a], scales[a], rule),
                "linear" => LinearTaps(c, x.Size(a), sizes[a], scales[a], rule),
                "cubic" => CubicTaps(c, x.Size(a), sizes[a], scales[a], rule),
                var m => throw c.Invalid($"unknown mode '{m}'"),
            };
            y = Replace(y, ApplyTaps(y, a, index, weight));
        }
        return y;
    }

    // ONNX's coordinate_transformation_mode: the input coordinate of output position o.
    private static double SourceCoordinate(OnnxNodeContext c, string mode, int o, int input, int output, double scale) => mode switch
    {
        "half_pixel" => (o + 0.5) / scale - 0.5,
        "pytorch_half_pixel" => output > 1 ? (o + 0.5) / scale - 0.5 : 0,
        "align_corners" => output == 1 ? 0 : o * (input - 1.0) / (output - 1),
        "asymmetric" => o / scale,
        "tf_half_pixel_for_nn" => (o + 0.5) / scale,
        "half_pixel_symmetric" => input / 2.0 * (1 - output / (scale * input)) + (o + 0.5) / scale - 0.5,
        _ => throw c.Invalid($"unknown coordinate_transformation_mode '{mode}'"),
    };

    private static (int[][] Index, double[][]? Weight) NearestTaps(OnnxNodeContext c, int input, int output, double scale, ResizeRule rule)
    {
        var index = new int[output];
        for (int o = 0; o < output; o++)
        {
            double src = SourceCoordinate(c, rule.Coordinates, o, input, output, scale);
            double i = rule.Nearest switch
            {
                "round_prefer_floor" => Math.Ceiling(src - 0.5),
                "round_prefer_ceil" => Math.Floor(src + 0.5),
                "floor" => Math.Floor(src),
                "ceil" => Math.Ceiling(src),
                "simple" => scale < 1 ? Math.Ceiling(src) : Math.Floor(src),
                var m => throw c.Invalid($"unknown nearest_mode '{m}'"),
            };
            index[o] = (int)Math.Clamp(i, 0, input - 1);
        }
        return ([index], null);
    }

    // Coordinates outside the input take the edge value (ONNX pads with the edge), i.e. they are clamped.
    private static (int[][] Index, double[][]? Weight) LinearTaps(OnnxNodeContext c, int input, int output, double scale, ResizeRule rule)
    {
        int[] i0 = new int[output], i1 = new int[output];
        double[] w0 = new double[output], w1 = new double[output];
        for (int o = 0; o < output; o++)
        {
            double src = Math.Clamp(SourceCoordinate(c, rule.Coordinates, o, input, output, scale), 0, input - 1);
            i0[o] = (int)Math.Floor(src);
            i1[o] = Math.Min(i0[o] + 1, input - 1);
            w1[o] = src - i0[o];
            w0[o] = 1 - w1[o];
        }
        return ([i0, i1], [w0, w1]);
    }

    // Keys' cubic convolution with coefficient A over taps floor(x)-1 .. floor(x)+2, clamped to the edge or (exclude_outside)
    // dropped with the remaining weights renormalized.
    private static (int[][] Index, double[][]? Weight) CubicTaps(OnnxNodeContext c, int input, int output, double scale, ResizeRule rule)
    {
        double a = rule.CubicA;
        var index = Enumerable.Range(0, 4).Select(_ => new int[output]).ToArray();
        var weight = Enumerable.Range(0, 4).Select(_ => new double[output]).ToArray();
        for (int o = 0; o < output; o++)
        {
            double src = SourceCoordinate(c, rule.Coordinates, o, input, output, scale);
            double f = Math.Floor(src), t = src - f;
            double[] w = [Far(t + 1), Near(t), Near(1 - t), Far(2 - t)];
            double total = 0;
            for (int k = 0; k < 4; k++)
            {
                long i = (long)f - 1 + k;
                if (rule.ExcludeOutside && (i < 0 || i >= input)) w[k] = 0;
                index[k][o] = (int)Math.Clamp(i, 0, input - 1);
                total += w[k];
            }
            for (int k = 0; k < 4; k++) weight[k][o] = rule.ExcludeOutside && total != 0 ? w[k] / total : w[k];
        }
        return (index, weight);

        double Near(double x) => ((a + 2) * x - (a + 3)) * x * x + 1;
        double Far(double x) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }

    // sum over taps k of x.IndexSelect(axis, index[k]) * weight[k] (weights broadcast along the axis).
    private static Tensor ApplyTaps(Tensor x, int axis, int[][] index, double[][]? weight)
    {
        Tensor? sum = null;
        var weightShape = Enumerable.Range(0, x.Rank).Select(d => d == axis ? index[0].Length : 1).ToArray();
        for (int k = 0; k < index.Length; k++)
        {
            using var idx = Int64Vector([.. index[k].Select(i => (long)i)]);
            var picked = x.IndexSelect(axis, idx);
            if (weight != null)
            {
                using var w = Tensor.FromArray(weight[k], weightShape);
                using var wt = w.To(x.DType);
                picked = Replace(picked, picked * wt);
            }
            sum = sum == null ? picked : Replace(sum, Add(sum, picked));
        }
        return sum!;

        static Tensor Add(Tensor a, Tensor b)
        {
            using (b) return a + b;
        }
    }
}

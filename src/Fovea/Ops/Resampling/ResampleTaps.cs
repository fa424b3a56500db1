// PyTorch's interpolation coordinate rules along one axis, as taps: for each output position, K source
// indices and their weights. Nearest modes compute their scale in float32 (as PyTorch does, whatever the
// dtype), so they pick exactly the same source pixels; linear and cubic weights are continuous in the source
// coordinate and are computed in double.
namespace Fovea;

/// <summary>Per output position o of one axis: source indices Index[o*K + k] with weights Weight[o*K + k].</summary>
internal sealed record ResampleTaps(int In, int Out, int K, int[] Index, double[] Weight)
{
    /// <summary>The single-tap identity of a size-1 axis.</summary>
    public static ResampleTaps Unit => new(1, 1, 1, [0], [1.0]);

    /// <summary>Taps for interpolation <paramref name="mode"/> (nearest, nearest-exact, linear, cubic).</summary>
    public static ResampleTaps For(string mode, int input, int output, double? scale, bool alignCorners) => mode switch
    {
        "nearest" => Nearest(input, output, scale, exact: false),
        "nearest-exact" => Nearest(input, output, scale, exact: true),
        "linear" => Linear(input, output, scale, alignCorners),
        "cubic" => Cubic(input, output, scale, alignCorners),
        _ => throw new ArgumentException($"ResampleTaps: unknown mode '{mode}'."),
    };

    // upsample_nearest: floor(o * scale) (legacy, with the exact-size and doubling shortcuts) or
    // floor((o + 0.5) * scale) (nearest-exact), clamped to the last input.
    private static ResampleTaps Nearest(int input, int output, double? scale, bool exact)
    {
        float s = scale is double v && v > 0 ? (float)(1.0 / v) : (float)input / output;
        var index = new int[output];
        for (int o = 0; o < output; o++)
        {
            int i;
            if (exact) i = (int)MathF.Floor((float)((o + 0.5) * s));
            else if (output == input) i = o;
            else if (output == 2 * input) i = o >> 1;
            else i = (int)MathF.Floor(o * s);
            index[o] = Math.Min(i, input - 1);
        }
        return new(input, output, 1, index, Enumerable.Repeat(1.0, output).ToArray());
    }

    /// <summary>PyTorch's area_pixel_compute_scale: the input step per output step.</summary>
    private static double Scale(int input, int output, double? scale, bool alignCorners) =>
        alignCorners ? (output > 1 ? (double)(input - 1) / (output - 1) : 0)
        : scale is double v && v > 0 ? 1.0 / v : (double)input / output;

    /// <summary>The source coordinate of output <paramref name="o"/> (half-pixel centres unless aligning corners).</summary>
    private static double Source(double scale, int o, bool alignCorners) => alignCorners ? scale * o : scale * (o + 0.5) - 0.5;

    private static ResampleTaps Linear(int input, int output, double? scale, bool alignCorners)
    {
        double s = Scale(input, output, scale, alignCorners);
        var index = new int[2 * output];
        var weight = new double[2 * output];
        for (int o = 0; o < output; o++)
        {
            if (output == input)
            {
                index[2 * o] = index[2 * o + 1] = o;
                weight[2 * o] = 1;
                continue;
            }
            double src = Math.Max(Source(s, o, alignCorners), 0);
            int i0 = (int)src;
            double l1 = Math.Clamp(src - i0, 0, 1);
            index[2 * o] = i0;
            index[2 * o + 1] = i0 < input - 1 ? i0 + 1 : i0;
            weight[2 * o] = 1 - l1;
            weight[2 * o + 1] = l1;
        }
        return new(input, output, 2, index, weight);
    }

    // Keys' cubic convolution with A = -0.75 over taps i0-1 .. i0+2, indices clamped to the border.
    private static ResampleTaps Cubic(int input, int output, double? scale, bool alignCorners)
    {
        const double A = -0.75;
        double s = Scale(input, output, scale, alignCorners);
        var index = new int[4 * output];
        var weight = new double[4 * output];
        for (int o = 0; o < output; o++)
        {
            double src = Source(s, o, alignCorners);
            int i0 = Math.Min((int)Math.Floor(src), input - 1);
            double t = Math.Clamp(src - i0, 0, 1);
            weight[4 * o] = Far(t + 1, A);
            weight[4 * o + 1] = Near(t, A);
            weight[4 * o + 2] = Near(1 - t, A);
            weight[4 * o + 3] = Far(2 - t, A);
            for (int k = 0; k < 4; k++) index[4 * o + k] = Math.Clamp(i0 - 1 + k, 0, input - 1);
        }
        return new(input, output, 4, index, weight);

        static double Near(double x, double a) => ((a + 2) * x - (a + 3)) * x * x + 1;
        static double Far(double x, double a) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
}

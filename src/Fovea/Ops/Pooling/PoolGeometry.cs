// Pooling windows. Every pooling op (1-d, 2-d, 3-d, fixed or adaptive) is described as a 3-d pool over
// planes (the leading N*C elements) whose missing spatial axes have size 1; each axis lists, per output
// position, the first input tap, the bound past the last tap and the window size counting padding.
namespace Fovea;

/// <summary>The windows of one spatial axis of a pool: output o reads inputs Start[o], Start[o]+Step, ... below End[o].</summary>
internal sealed class PoolAxis
{
    public required int In { get; init; }
    public required int[] Start { get; init; }
    public required int[] End { get; init; }
    public required int Step { get; init; }
    /// <summary>Window size including padding (the average's divisor when padding counts).</summary>
    public required int[] PaddedSize { get; init; }
    public int Out => Start.Length;
    /// <summary>Fixed windows: kernel size, stride and leading padding (0, 0, 0 for adaptive windows).</summary>
    public int Kernel { get; init; }
    public int Stride { get; init; }
    public int Pad { get; init; }

    /// <summary>An axis that is not pooled (size 1 in, size 1 out).</summary>
    public static PoolAxis Unit => new() { In = 1, Start = [0], End = [1], Step = 1, PaddedSize = [1] };

    /// <summary>Windows of size <paramref name="kernel"/> every <paramref name="stride"/>, clipped to the input (PyTorch's rules).</summary>
    public static PoolAxis Fixed(int input, int output, int kernel, int stride, int pad, int dilation)
    {
        var start = new int[output];
        var end = new int[output];
        var padded = new int[output];
        for (int o = 0; o < output; o++)
        {
            int s = o * stride - pad;
            int e = Math.Min(s + (kernel - 1) * dilation + 1, input);
            padded[o] = Math.Min(s + kernel, input + pad) - s;
            while (s < 0) s += dilation;
            start[o] = s;
            end[o] = e;
        }
        return new() { In = input, Start = start, End = end, Step = dilation, PaddedSize = padded, Kernel = kernel, Stride = stride, Pad = pad };
    }

    /// <summary>Adaptive windows: output o covers [floor(o*in/out), ceil((o+1)*in/out)).</summary>
    public static PoolAxis Adaptive(int input, int output)
    {
        var start = new int[output];
        var end = new int[output];
        var size = new int[output];
        for (int o = 0; o < output; o++)
        {
            start[o] = (int)((long)o * input / output);
            end[o] = (int)(((long)(o + 1) * input + output - 1) / output);
            size[o] = end[o] - start[o];
        }
        return new() { In = input, Start = start, End = end, Step = 1, PaddedSize = size };
    }

    /// <summary>
    /// PyTorch's pooling output size: floor (or ceil) of (in + 2p - d(k-1) - 1) / s + 1, where in ceil mode the
    /// last window must start inside the input or its left padding.
    /// </summary>
    public static int OutputSize(int input, int kernel, int stride, int pad, int dilation, bool ceil)
    {
        int num = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceil ? stride - 1 : 0);
        int o = (int)Math.Floor((double)num / stride) + 1;
        if (ceil && (o - 1) * stride >= input + pad) o--;
        return o;
    }
}

/// <summary>A pool over <see cref="Planes"/> independent (D, H, W) planes.</summary>
internal sealed record PoolWindows(int Planes, PoolAxis D, PoolAxis H, PoolAxis W, bool CountIncludePad = true, int? DivisorOverride = null)
{
    public int InPlane => D.In * H.In * W.In;
    public int OutPlane => D.Out * H.Out * W.Out;

    /// <summary>The divisor of the average at output (od, oh, ow).</summary>
    public int Divisor(int od, int oh, int ow)
    {
        if (DivisorOverride is int d) return d;
        if (CountIncludePad) return D.PaddedSize[od] * H.PaddedSize[oh] * W.PaddedSize[ow];
        return (D.End[od] - D.Start[od]) * (H.End[oh] - H.Start[oh]) * (W.End[ow] - W.Start[ow]);
    }
}

/// <summary>Hyper-parameters of a fixed-window pool along up to three axes (unused leading axes are 1).</summary>
internal readonly record struct PoolSpec(Size3 Kernel, Size3 Stride, Size3 Pad, Size3 Dilation, bool CeilMode);

// Resizing (torch.nn.functional.interpolate) of (N, C, L) and (N, C, H, W) inputs: nearest, nearest-exact,
// (bi)linear and bicubic through per-axis taps (ResampleTaps, PyTorch's exact coordinate rules), area through
// adaptive average pooling. All modes are linear in the input, so the gradient is the adjoint map.
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Resizes the spatial dims of (N, C, L) or (N, C, H, W) to <paramref name="size"/> or by
    /// <paramref name="scaleFactor"/> (exactly one of them; output = floor(in * scale)). Modes: "nearest",
    /// "nearest-exact", "linear" (3-d), "bilinear" and "bicubic" (4-d), "area". <paramref name="alignCorners"/>
    /// (default false) applies to linear, bilinear and bicubic only. For 3-d inputs the W components are used.
    /// <example><code>var up = Tensor.Interpolate(x, scaleFactor: (2, 2), mode: "bilinear");
    /// var small = Tensor.Interpolate(x, size: (7, 9), mode: "area");</code></example>
    /// </summary>
    public static Tensor Interpolate(Tensor x, Size2? size = null, (double H, double W)? scaleFactor = null, string mode = "nearest", bool? alignCorners = null)
    {
        const string op = "Interpolate";
        x.ThrowIfDisposed();
        if (x.Rank is not (3 or 4)) throw new ArgumentException($"{op}: input must be (N, C, L) or (N, C, H, W), got shape {x.Shape}.");
        CheckSpatialInput(x, x.Rank - 2, op);
        int spatial = x.Rank - 2;
        bool interpolating = mode is "linear" or "bilinear" or "bicubic";
        string? needs = mode switch
        {
            "nearest" or "nearest-exact" or "area" => null,
            "linear" => spatial == 1 ? null : "3-d (N, C, L)",
            "bilinear" or "bicubic" => spatial == 2 ? null : "4-d (N, C, H, W)",
            _ => throw new ArgumentException($"{op}: unknown mode '{mode}'; expected nearest, nearest-exact, linear, bilinear, bicubic or area."),
        };
        if (needs != null) throw new ArgumentException($"{op}: mode '{mode}' needs a {needs} input, got shape {x.Shape}.");
        if (alignCorners != null && !interpolating)
            throw new ArgumentException($"{op}: alignCorners can only be set with the interpolating modes linear, bilinear and bicubic, not '{mode}'.");
        if ((size == null) == (scaleFactor == null))
            throw new ArgumentException($"{op}: give exactly one of size and scaleFactor.");
        if (scaleFactor is { } sf && (!(sf.W > 0) || (spatial == 2 && !(sf.H > 0))))
            throw new ArgumentOutOfRangeException(nameof(scaleFactor), $"{op}: scale factors must be > 0, got {sf}.");

        int inH = spatial == 2 ? x.Size(2) : 1, inW = x.Size(-1);
        int outH = spatial == 1 ? 1 : size?.H ?? (int)Math.Floor(inH * scaleFactor!.Value.H);
        int outW = size?.W ?? (int)Math.Floor(inW * scaleFactor!.Value.W);
        if (outH <= 0 || outW <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"{op}: output size must be > 0, got {(spatial == 2 ? $"({outH}, {outW})" : $"{outW}")} for input {x.Shape}.");

        if (mode == "area") return spatial == 2 ? AdaptiveAvgPool2d(x, (outH, outW)) : AdaptiveAvgPool1d(x, outW);
        string axisMode = mode switch { "bilinear" => "linear", "bicubic" => "cubic", _ => mode };
        bool align = alignCorners ?? false;
        var th = spatial == 2 ? ResampleTaps.For(axisMode, inH, outH, scaleFactor?.H, align) : ResampleTaps.Unit;
        var tw = ResampleTaps.For(axisMode, inW, outW, scaleFactor?.W, align);
        var k = ResamplingKernels.For(x.Device);
        int planes = Planes(x, spatial);
        return LinearMap(x, SpatialShape(x, spatial, outH, outW), op, (a, y) => k.Resample(a, y, planes, th, tw), (g, dx) => k.ResampleAdjoint(g, dx, planes, th, tw));
    }
}

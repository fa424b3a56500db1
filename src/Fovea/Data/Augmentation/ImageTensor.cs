// Conversions between 8-bit images (HWC bytes) and float tensors (CHW), torchvision's ToTensor/Normalize and
// ToPILImage conventions.
using Fovea.Imaging;

namespace Fovea.Data.Augmentation;

/// <summary>Image ↔ tensor conversions.</summary>
public static class ImageTensor
{
    /// <summary>ImageNet channel means (RGB).</summary>
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    /// <summary>ImageNet channel standard deviations (RGB).</summary>
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>
    /// uint8 HWC → float32 (C, H, W) in [0, 1] (x / 255); with <paramref name="normalize"/>, then (x - mean) / std per
    /// channel (mean/std default to ImageNet's for RGB, alpha left as is, and 0.5/0.5 for gray; one value applies to all).
    /// </summary>
    public static Tensor ToTensor(Image image, bool normalize = false, float[]? mean = null, float[]? std = null)
    {
        if (image.BitDepth != 8) throw new ArgumentException($"ImageTensor.ToTensor: only 8-bit images are supported, got {image}.");
        int c = image.Channels, h = image.Height, w = image.Width, plane = h * w;
        var m = PerChannel(mean, normalize ? (c >= 3 ? [.. ImageNetMean, 0f] : [0.5f]) : [0f], c, "mean");
        var s = PerChannel(std, normalize ? (c >= 3 ? [.. ImageNetStd, 1f] : [0.5f]) : [1f], c, "std");
        // One 256-entry table per channel holds exactly (v / 255 - mean) / std, so the loop is a lookup per sample.
        Span<float> lut = stackalloc float[256 * c];
        for (int ch = 0; ch < c; ch++)
            for (int v = 0; v < 256; v++) lut[ch * 256 + v] = (v / 255f - m[ch]) / s[ch];
        var t = Tensor.Empty([c, h, w], DType.Float32);
        var data = t.AsSpan<float>();
        ReadOnlySpan<byte> p = image.Pixels;
        for (int ch = 0; ch < c; ch++)
        {
            var table = lut.Slice(ch * 256, 256);
            var dst = data.Slice(ch * plane, plane);
            for (int i = 0, j = ch; i < plane; i++, j += c) dst[i] = table[p[j]];
        }
        return t;
    }

    /// <summary>
    /// (C, H, W) or (H, W) tensor → image. Floating tensors are taken as [0, 1] (after undoing mean/std when given)
    /// and become round(255·x) clamped; uint8 tensors are copied. C must be 1-4 (Gray, GrayAlpha, Rgb, Rgba).
    /// </summary>
    public static Image ToImage(Tensor t, float[]? mean = null, float[]? std = null)
    {
        if (t.Rank is not (2 or 3)) throw new ArgumentException($"ImageTensor.ToImage: expected (C, H, W) or (H, W), got {t.Shape}.");
        int c = t.Rank == 3 ? t.Size(0) : 1, h = t.Size(-2), w = t.Size(-1), plane = h * w;
        if (c is < 1 or > 4) throw new ArgumentException($"ImageTensor.ToImage: {c} channels (expected 1-4) in {t.Shape}.");
        var im = new Image(w, h, (ColorSpace)c);
        if (t.DType == DType.UInt8)
        {
            var b = t.ToArray<byte>();
            for (int ch = 0; ch < c; ch++) for (int i = 0; i < plane; i++) im.Pixels[i * c + ch] = b[ch * plane + i];
            return im;
        }
        var m = PerChannel(mean, [0f], c, "mean");
        var s = PerChannel(std, [1f], c, "std");
        var f = t.To(DType.Float32).ToArray<float>();
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < plane; i++)
                im.Pixels[i * c + ch] = Warp.RoundToByte((f[ch * plane + i] * s[ch] + m[ch]) * 255f);
        return im;
    }

    /// <summary>Stacks images of equal size and layout into a (N, C, H, W) float32 batch.</summary>
    public static Tensor ToBatch(IReadOnlyList<Image> images, bool normalize = false, float[]? mean = null, float[]? std = null)
    {
        var ts = images.Select(im => ToTensor(im, normalize, mean, std)).ToArray();
        try { return Tensor.Stack(ts); }
        finally { foreach (var t in ts) t.Dispose(); }
    }

    private static float[] PerChannel(float[]? v, float[] fallback, int c, string what)
    {
        v ??= fallback.Length >= c ? fallback[..c] : fallback;
        if (v.Length == 1) return Enumerable.Repeat(v[0], c).ToArray();
        if (v.Length != c) throw new ArgumentException($"ImageTensor: {v.Length} {what} values for {c} channels.");
        return v;
    }
}

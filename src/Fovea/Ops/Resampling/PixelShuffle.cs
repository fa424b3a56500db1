// Sub-pixel rearrangement (torch.nn.functional.pixel_shuffle / pixel_unshuffle): reshape, permute, reshape,
// so the gradient comes from those ops.
namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>(*, C*r*r, H, W) -> (*, C, H*r, W*r): each group of r*r channels becomes an r x r block of pixels.</summary>
    public static Tensor PixelShuffle(Tensor x, int upscaleFactor)
    {
        const string op = "PixelShuffle";
        int r = upscaleFactor;
        CheckShuffle(x, r, op);
        if (x.Size(-3) % (r * r) != 0)
            throw new ArgumentException($"{op}: channels ({x.Size(-3)}) must be divisible by upscaleFactor^2 = {r * r}; input shape {x.Shape}.");
        int lead = x.Rank - 3, c = x.Size(-3) / (r * r), h = x.Size(-2), w = x.Size(-1);
        var batch = x.ShapeArray[..lead];
        using var split = x.Reshape([.. batch, c, r, r, h, w]);
        using var moved = split.Permute([.. Enumerable.Range(0, lead), lead, lead + 3, lead + 1, lead + 4, lead + 2]);
        return moved.Reshape([.. batch, c, h * r, w * r]);
    }

    /// <summary>(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of <see cref="PixelShuffle"/>.</summary>
    public static Tensor PixelUnshuffle(Tensor x, int downscaleFactor)
    {
        const string op = "PixelUnshuffle";
        int r = downscaleFactor;
        CheckShuffle(x, r, op);
        if (x.Size(-2) % r != 0 || x.Size(-1) % r != 0)
            throw new ArgumentException($"{op}: height and width ({x.Size(-2)}, {x.Size(-1)}) must be divisible by downscaleFactor {r}; input shape {x.Shape}.");
        int lead = x.Rank - 3, c = x.Size(-3), h = x.Size(-2) / r, w = x.Size(-1) / r;
        var batch = x.ShapeArray[..lead];
        using var split = x.Reshape([.. batch, c, h, r, w, r]);
        using var moved = split.Permute([.. Enumerable.Range(0, lead), lead, lead + 2, lead + 4, lead + 1, lead + 3]);
        return moved.Reshape([.. batch, c * r * r, h, w]);
    }

    private static void CheckShuffle(Tensor x, int r, string op)
    {
        x.ThrowIfDisposed();
        if (x.Rank < 3) throw new ArgumentException($"{op}: input must have at least 3 dims (*, C, H, W), got shape {x.Shape}.");
        if (r <= 0) throw new ArgumentOutOfRangeException(nameof(r), $"{op}: factor must be > 0, got {r}.");
    }
}

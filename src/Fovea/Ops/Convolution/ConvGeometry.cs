// Sizes for convolution-like ops: (height, width) and (depth, height, width) that convert from an int or a tuple, and 2-d/3-d padding
// that may be "same" (resolved per input, asymmetric when needed, as PyTorch does) or "valid".
namespace Fovea;

/// <summary>A (height, width) pair; <c>3</c> and <c>(3, 5)</c> both convert to it.</summary>
public readonly record struct Size2(int H, int W)
{
    public static implicit operator Size2(int v) => new(v, v);
    public static implicit operator Size2((int H, int W) t) => new(t.H, t.W);
    public override string ToString() => H == W ? $"{H}" : $"({H}, {W})";
}

/// <summary>A (depth, height, width) triple for 3-d ops; <c>2</c> and <c>(1, 2, 2)</c> both convert to it.</summary>
public readonly record struct Size3(int D, int H, int W)
{
    public static implicit operator Size3(int v) => new(v, v, v);
    public static implicit operator Size3((int D, int H, int W) t) => new(t.D, t.H, t.W);
    public override string ToString() => D == H && H == W ? $"{D}" : $"({D}, {H}, {W})";
}

/// <summary>Padding of a 2-d convolution: explicit sizes, <see cref="Same"/> or <see cref="Valid"/>.</summary>
public readonly record struct Padding2d(int Top, int Bottom, int Left, int Right, bool IsSame = false)
{
    /// <summary>Pads so that the output has the input's size (stride 1 only); extra padding goes bottom/right.</summary>
    public static Padding2d Same => new(0, 0, 0, 0, IsSame: true);
    public static Padding2d Valid => new(0, 0, 0, 0);

    public static implicit operator Padding2d(int p) => new(p, p, p, p);
    public static implicit operator Padding2d((int H, int W) p) => new(p.H, p.H, p.W, p.W);

    /// <summary>Concrete padding for a kernel of <paramref name="k"/> with <paramref name="dilation"/>.</summary>
    internal Padding2d Resolve(Size2 k, Size2 dilation, Size2 stride, string op)
    {
        if (!IsSame) return this;
        if (stride.H != 1 || stride.W != 1) throw new ArgumentException($"{op}: padding 'same' requires stride 1, got stride {stride}.");
        int th = dilation.H * (k.H - 1), tw = dilation.W * (k.W - 1);
        return new(th / 2, th - th / 2, tw / 2, tw - tw / 2);
    }

    public override string ToString() => IsSame ? "same" : Top == Bottom && Left == Right ? (Top == Left ? $"{Top}" : $"({Top}, {Left})") : $"({Top}, {Bottom}, {Left}, {Right})";
}

/// <summary>Padding of a 3-d convolution: symmetric sizes per dim, or <see cref="Same"/>.</summary>
public readonly record struct Padding3d(int D, int H, int W, bool IsSame = false)
{
    /// <summary>Pads so that the output has the input's size (stride 1 only); extra padding goes back/bottom/right.</summary>
    public static Padding3d Same => new(0, 0, 0, IsSame: true);
    public static implicit operator Padding3d(int p) => new(p, p, p);
    public static implicit operator Padding3d((int D, int H, int W) p) => new(p.D, p.H, p.W);
    public override string ToString() => IsSame ? "same" : D == H && H == W ? $"{D}" : $"({D}, {H}, {W})";
}

/// <summary>
/// The resolved geometry of one convolution over (N, C, D, H, W) inputs; a 2-d convolution has depth 1 (D, KD, OD = 1,
/// no depth stride, padding or dilation), so the same kernels serve both.
/// </summary>
internal readonly record struct ConvGeometry(int N, int C, int H, int W, int O, int KH, int KW, int OH, int OW,
    Size2 Stride, Padding2d Pad, Size2 Dilation, int Groups,
    int D = 1, int KD = 1, int OD = 1, int StrideD = 1, int PadFront = 0, int DilationD = 1)
{
    public int CPerGroup => C / Groups;
    public int OPerGroup => O / Groups;
    /// <summary>Input values per channel.</summary>
    public int InPlane => D * H * W;
    /// <summary>Output values per channel.</summary>
    public int OutPlane => OD * OH * OW;
    /// <summary>Kernel taps per channel.</summary>
    public int Taps => KD * KH * KW;
    /// <summary>Rows of the im2col matrix per group: (C/groups) * KD * KH * KW.</summary>
    public int ColRows => CPerGroup * Taps;
    public int ColCols => OutPlane;
    public bool IsPointwise => Taps == 1 && Stride == new Size2(1, 1) && StrideD == 1 && Pad == new Padding2d(0, 0, 0, 0) && PadFront == 0;
}

// Pooling layers (torch.nn.MaxPool*/AvgPool*/Adaptive*Pool*), global average pooling and spatial pyramid pooling.
namespace Fovea.NN;

/// <summary>Max pooling over (N, C, L).</summary>
public sealed class MaxPool1d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) : Module
{
    public override Tensor Forward(Tensor input) => Tensor.MaxPool1d(input, kernelSize, stride, padding, dilation, ceilMode);
    protected override string ExtraRepr() => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}, padding={padding}, dilation={dilation}, ceil_mode={ceilMode}";
}

/// <summary>Max pooling over (N, C, H, W).</summary>
public sealed class MaxPool2d(Size2 kernelSize, Size2? stride = null, Padding2d? padding = null, Size2? dilation = null, bool ceilMode = false) : Module
{
    public Size2 KernelSize { get; } = kernelSize;
    public Size2 Stride { get; } = stride ?? kernelSize;
    public Padding2d Padding { get; } = padding ?? 0;
    public Size2 Dilation { get; } = dilation ?? 1;
    public bool CeilMode { get; } = ceilMode;
    public override Tensor Forward(Tensor input) => Tensor.MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, ceil_mode={CeilMode}";
}

/// <summary>Max pooling over (N, C, D, H, W).</summary>
public sealed class MaxPool3d(Size3 kernelSize, Size3? stride = null, Size3? padding = null, Size3? dilation = null, bool ceilMode = false) : Module
{
    public override Tensor Forward(Tensor input) => Tensor.MaxPool3d(input, kernelSize, stride, padding, dilation, ceilMode);
    protected override string ExtraRepr() => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}, padding={padding ?? 0}, ceil_mode={ceilMode}";
}

/// <summary>Average pooling over (N, C, L).</summary>
public sealed class AvgPool1d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) : Module
{
    public override Tensor Forward(Tensor input) => Tensor.AvgPool1d(input, kernelSize, stride, padding, ceilMode, countIncludePad);
    protected override string ExtraRepr() => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}, padding={padding}";
}

/// <summary>Average pooling over (N, C, H, W).</summary>
public sealed class AvgPool2d(Size2 kernelSize, Size2? stride = null, Padding2d? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null) : Module
{
    public Size2 KernelSize { get; } = kernelSize;
    public Size2 Stride { get; } = stride ?? kernelSize;
    public Padding2d Padding { get; } = padding ?? 0;
    public bool CeilMode { get; } = ceilMode;
    public bool CountIncludePad { get; } = countIncludePad;
    public int? DivisorOverride { get; } = divisorOverride;
    public override Tensor Forward(Tensor input) => Tensor.AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad, DivisorOverride);
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}";
}

/// <summary>Average pooling over (N, C, D, H, W).</summary>
public sealed class AvgPool3d(Size3 kernelSize, Size3? stride = null, Size3? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null) : Module
{
    public override Tensor Forward(Tensor input) => Tensor.AvgPool3d(input, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    protected override string ExtraRepr() => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}, padding={padding ?? 0}";
}

/// <summary>Average pooling to a fixed output length.</summary>
public sealed class AdaptiveAvgPool1d(int outputSize) : Module
{
    public override Tensor Forward(Tensor input) => Tensor.AdaptiveAvgPool1d(input, outputSize);
    protected override string ExtraRepr() => $"output_size={outputSize}";
}

/// <summary>Average pooling to a fixed output size (ResNet's head uses 1 x 1).</summary>
public sealed class AdaptiveAvgPool2d(Size2 outputSize) : Module
{
    public Size2 OutputSize { get; } = outputSize;
    public override Tensor Forward(Tensor input) => Tensor.AdaptiveAvgPool2d(input, OutputSize);
    protected override string ExtraRepr() => $"output_size={(OutputSize.H == OutputSize.W ? OutputSize.H.ToString() : $"({OutputSize.H}, {OutputSize.W})")}";
}

/// <summary>Average pooling of volumes to a fixed output size.</summary>
public sealed class AdaptiveAvgPool3d(Size3 outputSize) : Module
{
    public override Tensor Forward(Tensor input) => Tensor.AdaptiveAvgPool3d(input, outputSize);
    protected override string ExtraRepr() => $"output_size={outputSize}";
}

/// <summary>Max pooling to a fixed output length.</summary>
public sealed class AdaptiveMaxPool1d(int outputSize) : Module
{
    public override Tensor Forward(Tensor input) => Tensor.AdaptiveMaxPool1d(input, outputSize);
    protected override string ExtraRepr() => $"output_size={outputSize}";
}

/// <summary>Max pooling to a fixed output size.</summary>
public sealed class AdaptiveMaxPool2d(Size2 outputSize) : Module
{
    public Size2 OutputSize { get; } = outputSize;
    public override Tensor Forward(Tensor input) => Tensor.AdaptiveMaxPool2d(input, OutputSize);
    protected override string ExtraRepr() => $"output_size={OutputSize}";
}

/// <summary>Global average pooling: (N, C, *) to (N, C), or (N, C, 1, ...) with keepDims.</summary>
public sealed class GlobalAvgPool(bool keepDims = false) : Module
{
    public bool KeepDims { get; } = keepDims;
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank < 3) throw new ArgumentException($"GlobalAvgPool: input must be (N, C, *spatial), got shape {input.Shape}.");
        return input.Mean([.. Enumerable.Range(2, input.Rank - 2)], KeepDims);
    }
}

/// <summary>
/// Spatial pyramid pooling (He et al., SPP-net, 2014): max-pools (N, C, H, W) of any size onto fixed grids of
/// levels x levels bins and concatenates the flattened bins, giving (N, C * sum(levels^2)) whatever the input size.
/// </summary>
public sealed class SpatialPyramidPooling : Module
{
    public SpatialPyramidPooling(int[]? levels = null, string mode = "max")
    {
        Levels = levels ?? [1, 2, 4];
        if (Levels.Length == 0 || Levels.Any(l => l < 1)) throw new ArgumentException($"SpatialPyramidPooling: levels must be positive, got ({string.Join(", ", Levels)}).");
        if (mode is not ("max" or "avg")) throw new ArgumentException($"SpatialPyramidPooling: mode must be 'max' or 'avg', got '{mode}'.");
        Mode = mode;
    }

    public int[] Levels { get; }
    public string Mode { get; }

    /// <summary>Features per channel in the output: the sum of levels squared.</summary>
    public int BinsPerChannel => Levels.Sum(l => l * l);

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4) throw new ArgumentException($"SpatialPyramidPooling: input must be (N, C, H, W), got shape {input.Shape}.");
        var parts = Levels.Select(l => (Mode == "max" ? Tensor.AdaptiveMaxPool2d(input, l) : Tensor.AdaptiveAvgPool2d(input, l)).Flatten(1)).ToList();
        return Tensor.Cat(parts, 1);
    }

    protected override string ExtraRepr() => $"levels=({string.Join(", ", Levels)}), mode={Mode}";
}

// Convolution layers (torch.nn.Conv1d/2d/3d): weight (out, in / groups, *kernel) and optional bias, initialised like
// PyTorch (Kaiming-uniform with a = sqrt(5), bias uniform in +-1/sqrt(fan_in)).
namespace Fovea.NN;

/// <summary>What the convolution layers share: channels, groups, parameters and their initialisation.</summary>
public abstract class ConvLayer : Module
{
    private protected ConvLayer(string op, int inChannels, int outChannels, int[] weightKernel, int groups, bool bias, DType dtype, bool transposed = false)
    {
        if (inChannels <= 0 || outChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), $"{op}: channels must be positive, got in {inChannels}, out {outChannels}.");
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"{op}: in_channels {inChannels} and out_channels {outChannels} must both be divisible by groups {groups}.");
        if (weightKernel.Any(k => k <= 0)) throw new ArgumentOutOfRangeException(nameof(weightKernel), $"{op}: kernel size must be positive, got ({string.Join(", ", weightKernel)}).");
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        int[] shape = transposed ? [inChannels, outChannels / groups, .. weightKernel] : [outChannels, inChannels / groups, .. weightKernel];
        var w = RegisterParameter("weight", Init.KaimingUniform(Tensor.Empty(shape, dtype), a: Math.Sqrt(5)));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(Init.Fans(w).FanIn);
            RegisterParameter("bias", Init.Uniform(Tensor.Empty([outChannels], dtype), -bound, bound));
        }
        else RegisterNullParameter("bias");
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int Groups { get; }
    /// <summary>(out_channels, in_channels / groups, *kernel); transposed layers: (in_channels, out_channels / groups, *kernel).</summary>
    public Tensor Weight => Param("weight")!;
    /// <summary>(out_channels) or null.</summary>
    public Tensor? Bias => Param("bias");

    /// <summary>Sets (or adds) the bias, e.g. when a following batch norm is folded in.</summary>
    public void SetBias(Tensor bias)
    {
        if (bias.Rank != 1 || bias.Size(0) != OutChannels) throw new ArgumentException($"{GetType().Name}: bias must have shape ({OutChannels}), got {bias.Shape}.");
        Memory.TensorScope.Untrack(bias);
        var b = bias.IsLeaf ? bias : bias.Detach();
        b.RequiresGrad = Weight.RequiresGrad;
        ReplaceParameter("bias", b);
    }

    /// <summary>PyTorch's layout: channels, kernel_size, stride, then the non-default options, groups and bias last.</summary>
    private protected string BaseRepr(string kernel, string stride, string options = "") =>
        $"{InChannels}, {OutChannels}, kernel_size={kernel}, stride={stride}{options}{(Groups != 1 ? $", groups={Groups}" : "")}{(Bias == null ? ", bias=False" : "")}";

    private protected static string Tuple(params int[] v) => $"({string.Join(", ", v)})";
}

/// <summary>1-d convolution over (N, C, L).</summary>
public sealed class Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1,
    bool bias = true, bool samePadding = false, DType dtype = DType.Float32)
    : ConvLayer("Conv1d", inChannels, outChannels, [kernelSize], groups, bias, dtype)
{
    public override Tensor Forward(Tensor input) => Tensor.Conv1d(input, Weight, Bias, stride, padding, dilation, Groups, samePadding);
    protected override string ExtraRepr() => BaseRepr($"({kernelSize},)", $"({stride},)", samePadding ? ", padding=same" : padding != 0 ? $", padding=({padding},)" : "");
}

/// <summary>2-d convolution over (N, C, H, W).</summary>
public sealed class Conv2d : ConvLayer
{
    public Conv2d(int inChannels, int outChannels, Size2 kernelSize, Size2? stride = null, Padding2d? padding = null, Size2? dilation = null,
        int groups = 1, bool bias = true, DType dtype = DType.Float32)
        : base("Conv2d", inChannels, outChannels, [kernelSize.H, kernelSize.W], groups, bias, dtype)
    {
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
    }

    public Size2 KernelSize { get; }
    public Size2 Stride { get; }
    public Padding2d Padding { get; }
    public Size2 Dilation { get; }

    // Set by Inference.Optimize: the weights are packed once for the GEMM, and an activation that followed this layer
    // (ReLU: [0, inf), ReLU6: [0, 6]) is applied as the output is written.
    private (float Min, float Max, Kernels.ConvWeightPack Pack)? _inference;

    /// <summary>Whether <see cref="Fovea.Models.Inference.Optimize"/> prepared this layer (packed weights, maybe a fused activation).</summary>
    public bool IsPreparedForInference => _inference != null;

    /// <summary>The activation fused into this layer as (min, max) clamp bounds, or null.</summary>
    public (float Min, float Max)? FusedClamp => _inference is { } f && !(float.IsNegativeInfinity(f.Min) && float.IsPositiveInfinity(f.Max)) ? (f.Min, f.Max) : null;

    /// <summary>Packs the weights for inference and fuses a following clamp (ReLU: 0, +inf; ReLU6: 0, 6; none: infinities).</summary>
    internal void PrepareForInference(float min = float.NegativeInfinity, float max = float.PositiveInfinity) =>
        _inference = (min, max, _inference?.Pack ?? new Kernels.ConvWeightPack());

    public override Tensor Forward(Tensor input) => _inference is { } f
        ? Tensor.Conv2dFused(input, Weight, Bias, Stride, Padding, Dilation, Groups, null, f.Min, f.Max, f.Pack)
        : Tensor.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <summary>
    /// The convolution plus <paramref name="residual"/> (the output's shape), then the fused activation if any: the last
    /// convolution of a residual block, finished in one pass once the block is fused for inference.
    /// </summary>
    public Tensor Forward(Tensor input, Tensor residual) => _inference is { } f
        ? Tensor.Conv2dFused(input, Weight, Bias, Stride, Padding, Dilation, Groups, residual, f.Min, f.Max, f.Pack)
        : Tensor.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups) + residual;

    /// <summary>This layer as prepared for inference (weights, fused clamp, packs), or null before that.</summary>
    internal FusedConv? Fused => _inference is { } f ? new FusedConv(Weight, Bias, Stride, Padding, Dilation, Groups, f.Min, f.Max, f.Pack) : null;

    protected override string ExtraRepr() => BaseRepr(Tuple(KernelSize.H, KernelSize.W), Tuple(Stride.H, Stride.W),
        (Padding.IsSame ? ", padding=same" : Padding == new Padding2d(0, 0, 0, 0) ? "" : Padding.Top == Padding.Bottom && Padding.Left == Padding.Right
            ? $", padding={Tuple(Padding.Top, Padding.Left)}" : $", padding={Tuple(Padding.Top, Padding.Bottom, Padding.Left, Padding.Right)}")
        + (Dilation != new Size2(1, 1) ? $", dilation={Tuple(Dilation.H, Dilation.W)}" : "")
        + (FusedClamp is { } c ? $", fused_clamp=({c.Min}, {c.Max})" : ""));
}

/// <summary>3-d convolution over (N, C, D, H, W).</summary>
public sealed class Conv3d : ConvLayer
{
    public Conv3d(int inChannels, int outChannels, Size3 kernelSize, Size3? stride = null, Padding3d? padding = null, Size3? dilation = null,
        int groups = 1, bool bias = true, DType dtype = DType.Float32)
        : base("Conv3d", inChannels, outChannels, [kernelSize.D, kernelSize.H, kernelSize.W], groups, bias, dtype)
    {
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
    }

    public Size3 KernelSize { get; }
    public Size3 Stride { get; }
    public Padding3d Padding { get; }
    public Size3 Dilation { get; }

    public override Tensor Forward(Tensor input) => Tensor.Conv3d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    protected override string ExtraRepr() => BaseRepr(Tuple(KernelSize.D, KernelSize.H, KernelSize.W), Tuple(Stride.D, Stride.H, Stride.W),
        (Padding.IsSame ? ", padding=same" : Padding != new Padding3d(0, 0, 0) ? $", padding={Tuple(Padding.D, Padding.H, Padding.W)}" : "")
        + (Dilation != new Size3(1, 1, 1) ? $", dilation={Tuple(Dilation.D, Dilation.H, Dilation.W)}" : ""));
}

/// <summary>2-d transposed convolution (learned upsampling) over (N, C, H, W).</summary>
public sealed class ConvTranspose2d : ConvLayer
{
    public ConvTranspose2d(int inChannels, int outChannels, Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? outputPadding = null,
        int groups = 1, bool bias = true, Size2? dilation = null, DType dtype = DType.Float32)
        : base("ConvTranspose2d", inChannels, outChannels, [kernelSize.H, kernelSize.W], groups, bias, dtype, transposed: true)
    {
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        OutputPadding = outputPadding ?? 0;
        Dilation = dilation ?? 1;
    }

    public Size2 KernelSize { get; }
    public Size2 Stride { get; }
    public Size2 Padding { get; }
    public Size2 OutputPadding { get; }
    public Size2 Dilation { get; }

    public override Tensor Forward(Tensor input) => Tensor.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);

    protected override string ExtraRepr() => BaseRepr(Tuple(KernelSize.H, KernelSize.W), Tuple(Stride.H, Stride.W),
        (Padding != new Size2(0, 0) ? $", padding={Tuple(Padding.H, Padding.W)}" : "")
        + (OutputPadding != new Size2(0, 0) ? $", output_padding={Tuple(OutputPadding.H, OutputPadding.W)}" : "")
        + (Dilation != new Size2(1, 1) ? $", dilation={Tuple(Dilation.H, Dilation.W)}" : ""));
}

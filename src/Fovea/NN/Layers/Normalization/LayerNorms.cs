// Per-sample normalization layers: LayerNorm (trailing dims), GroupNorm (groups of channels) and InstanceNorm2d
// (each channel of each sample), as torch.nn defines them.
namespace Fovea.NN;

/// <summary>Normalizes over the trailing <c>normalizedShape</c> dims, with an elementwise affine transform.</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.Float32)
    {
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d <= 0))
            throw new ArgumentException($"LayerNorm: normalized shape must be non-empty and positive, got ({string.Join(", ", normalizedShape)}).");
        NormalizedShape = normalizedShape;
        Eps = eps;
        if (elementwiseAffine) RegisterParameter("weight", Tensor.Ones(normalizedShape, dtype)); else RegisterNullParameter("weight");
        if (elementwiseAffine && bias) RegisterParameter("bias", Tensor.Zeros(normalizedShape, dtype)); else RegisterNullParameter("bias");
    }

    public LayerNorm(int normalizedSize, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.Float32)
        : this([normalizedSize], eps, elementwiseAffine, bias, dtype) { }

    public int[] NormalizedShape { get; }
    public double Eps { get; }
    public Tensor? Weight => Param("weight");
    public Tensor? Bias => Param("bias");

    public override Tensor Forward(Tensor input) => Tensor.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);
    protected override string ExtraRepr() => $"({string.Join(", ", NormalizedShape)},), eps={Eps}, elementwise_affine={(Weight != null ? "True" : "False")}";
}

/// <summary>Normalizes (N, C, *) over groups of C / numGroups channels, with a per-channel affine transform.</summary>
public sealed class GroupNorm : Module
{
    public GroupNorm(int numGroups, int numChannels, double eps = 1e-5, bool affine = true, DType dtype = DType.Float32)
    {
        if (numGroups <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm: {numChannels} channels cannot be split into {numGroups} groups.");
        (NumGroups, NumChannels, Eps) = (numGroups, numChannels, eps);
        if (affine)
        {
            RegisterParameter("weight", Tensor.Ones([numChannels], dtype));
            RegisterParameter("bias", Tensor.Zeros([numChannels], dtype));
        }
        else
        {
            RegisterNullParameter("weight");
            RegisterNullParameter("bias");
        }
    }

    public int NumGroups { get; }
    public int NumChannels { get; }
    public double Eps { get; }
    public Tensor? Weight => Param("weight");
    public Tensor? Bias => Param("bias");

    public override Tensor Forward(Tensor input) => Tensor.GroupNorm(input, NumGroups, Weight, Bias, Eps);
    protected override string ExtraRepr() => $"{NumGroups}, {NumChannels}, eps={Eps}, affine={(Weight != null ? "True" : "False")}";
}

/// <summary>Normalizes each channel of each (N, C, H, W) sample; optional affine transform and running statistics.</summary>
public sealed class InstanceNorm2d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = false, bool trackRunningStats = false, DType dtype = DType.Float32)
    : NormLayer("InstanceNorm2d", numFeatures, eps, momentum, affine, trackRunningStats, dtype)
{
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4 || input.Size(1) != NumFeatures)
            throw new ArgumentException($"InstanceNorm2d({NumFeatures}): expected input (N, {NumFeatures}, H, W), got shape {input.Shape}.");
        return Tensor.InstanceNorm(input, RunningMean, RunningVar, Weight, Bias, useInputStats: Training || !TrackRunningStats, momentum: Momentum ?? 0.1, eps: Eps);
    }
}

// Fully connected layer: y = x W^T + b, initialised like torch.nn.Linear (Kaiming-uniform with a = sqrt(5)).
namespace Fovea.NN;

/// <summary>Applies y = x @ weight^T + bias over the last dimension.</summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, bool bias = true, DType dtype = DType.Float32)
    {
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear: features must be positive, got in {inFeatures}, out {outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Init.KaimingUniform(Tensor.Empty([outFeatures, inFeatures], dtype), a: Math.Sqrt(5)));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            Bias = RegisterParameter("bias", Init.Uniform(Tensor.Empty([outFeatures], dtype), -bound, bound));
        }
        else RegisterNullParameter("bias");
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    /// <summary>(out_features, in_features)</summary>
    public Tensor Weight { get; private set; }
    /// <summary>(out_features) or null</summary>
    public Tensor? Bias { get; private set; }

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank == 0 || input.Size(-1) != InFeatures)
            throw new ArgumentException($"Linear(in_features: {InFeatures}): input's last dimension is {(input.Rank == 0 ? 0 : input.Size(-1))}, shape {input.Shape}.");
        return Tensor.Linear(input, Weight, Bias);
    }

    protected override void OnParameterReplaced(string name, Tensor tensor)
    {
        if (name == "weight") Weight = tensor; else Bias = tensor;
    }

    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias != null ? "True" : "False")}";
}

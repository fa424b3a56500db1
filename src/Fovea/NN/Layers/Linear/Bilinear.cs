// Bilinear layer: y_o = x1^T A_o x2 + b_o (torch.nn.Bilinear), e.g. for fusing two modalities' features.
namespace Fovea.NN;

public sealed class Bilinear : Module
{
    public Bilinear(int in1Features, int in2Features, int outFeatures, bool bias = true)
    {
        (In1Features, In2Features, OutFeatures) = (in1Features, in2Features, outFeatures);
        double bound = 1 / Math.Sqrt(in1Features);
        Weight = RegisterParameter("weight", Init.Uniform(Tensor.Empty([outFeatures, in1Features, in2Features]), -bound, bound));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform(Tensor.Empty([outFeatures]), -bound, bound));
        else RegisterNullParameter("bias");
    }

    public int In1Features { get; }
    public int In2Features { get; }
    public int OutFeatures { get; }
    /// <summary>(out, in1, in2)</summary>
    public Tensor Weight { get; private set; }
    /// <summary>(out) or null</summary>
    public Tensor? Bias { get; private set; }

    /// <summary>Bilinear needs two inputs; use <see cref="Forward(Tensor, Tensor)"/>.</summary>
    public override Tensor Forward(Tensor input) =>
        throw new InvalidOperationException("Bilinear takes two inputs: call Forward(x1, x2).");

    public Tensor Forward(Tensor x1, Tensor x2)
    {
        if (x1.Size(-1) != In1Features || x2.Size(-1) != In2Features)
            throw new ArgumentException($"Bilinear(in1: {In1Features}, in2: {In2Features}): got inputs of shapes {x1.Shape} and {x2.Shape}.");
        // (.., in1) @ (in1, out*in2) -> (.., out, in2), then contract in2 with x2.
        var w = Weight.Permute(1, 0, 2).Reshape(In1Features, OutFeatures * In2Features);
        var t = Tensor.MatMul(x1, w);
        var shape = x1.Shape.ToArray()[..^1].Concat(new[] { OutFeatures, In2Features }).ToArray();
        var y = (t.Reshape(shape) * x2.Unsqueeze(-2)).Sum(-1);
        return Bias == null ? y : y + Bias;
    }

    protected override void OnParameterReplaced(string name, Tensor tensor)
    {
        if (name == "weight") Weight = tensor; else Bias = tensor;
    }

    protected override string ExtraRepr() => $"in1_features={In1Features}, in2_features={In2Features}, out_features={OutFeatures}, bias={(Bias != null ? "True" : "False")}";
}

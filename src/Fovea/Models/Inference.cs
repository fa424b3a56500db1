// Inference-time rewrites of a trained model: batch normalization folded into the convolution before it, activations
// (ReLU, ReLU6) and residual adds fused into the convolution that feeds them, and convolution weights packed once for
// the GEMM, so a deployed network runs one op where training ran up to four. Outputs in evaluation mode are unchanged.
using Fovea.Autograd;
using Fovea.NN;

namespace Fovea.Models;

/// <summary>A block that knows how to run its convolutions fused once its batch norms are folded (ResNet's blocks and stem, MobileNetV2's inverted residuals).</summary>
internal interface IInferenceFusable
{
    /// <summary>Fuses the block's activations (and residual add) into its convolutions; false when its norms are not folded.</summary>
    bool FuseForInference();
}

public static class Inference
{
    /// <summary>
    /// Prepares <paramref name="model"/> for inference: evaluation mode, <see cref="FoldBatchNorm"/>, every ReLU or ReLU6
    /// that directly follows a convolution in a Sequential fused into it, residual blocks fused (ResNet's ReLUs and
    /// shortcut adds run in their convolutions; MobileNetV2's inverted residual blocks run as one op), and every
    /// Conv2d's weights packed once for the GEMM, or Winograd-transformed for 3x3 stride-1 layers (packed again
    /// automatically if the weights change). Outputs match the unprepared model's to float rounding; under autograd
    /// the layers run their unfused ops. Only for evaluation, like <see cref="FoldBatchNorm"/>; export to ONNX before
    /// optimizing, and hook layers (feature maps, Grad-CAM) on the unoptimized model: a fused block calls its
    /// convolutions directly, not through their modules.
    /// <example><code>var summary = Inference.Optimize(model); using (GradMode.NoGrad()) logits = model.Call(images);</code></example>
    /// </summary>
    public static InferenceOptimization Optimize(Module model)
    {
        model.Eval();
        int folded = FoldBatchNorm(model), activations = 0, blocks = 0, packed = 0;
        var modules = model.Modules().ToList();
        foreach (var conv in modules.OfType<Conv2d>())
        {
            if (!conv.IsPreparedForInference) conv.PrepareForInference();
            packed++;
        }
        foreach (var seq in modules.OfType<Sequential>())
        {
            var children = seq.NamedChildren().ToList();
            for (int i = 0; i < children.Count; i++)
            {
                if (children[i].Module is not Conv2d conv || conv.FusedClamp != null) continue;
                int j = i + 1;
                while (j < children.Count && children[j].Module is Identity) j++;
                (float Min, float Max)? clamp = j < children.Count ? children[j].Module switch
                {
                    ReLU => (0f, float.PositiveInfinity),
                    ReLU6 => (0f, 6f),
                    _ => null,
                } : null;
                if (clamp is not { } c) continue;
                conv.PrepareForInference(c.Min, c.Max);
                seq.ReplaceModule(children[j].Name, new Identity());
                activations++;
            }
        }
        foreach (var block in modules.OfType<IInferenceFusable>())
            if (block.FuseForInference()) blocks++;
        return new InferenceOptimization(folded, activations, blocks, packed);
    }

    // A block's chain: each named norm must already be folded (an Identity); each named convolution then gets ReLU fused.
    internal static bool FuseChain(Module block, string[] convs, string[] norms)
    {
        if (!norms.All(n => block.Child(n) is Identity) || !convs.All(c => block.Child(c) is Conv2d)) return false;
        foreach (var c in convs) ((Conv2d)block.Child(c)).PrepareForInference(0, float.PositiveInfinity);
        return true;
    }

    /// <summary>
    /// Folds every BatchNorm2d that directly follows a Conv2d (adjacent in a Sequential, or named convN/bnN or cN/bN as
    /// torchvision and the zoo do) into that convolution, replacing the norm with Identity. Returns the number folded.
    /// Only for evaluation: the folded model no longer normalises with batch statistics.
    /// </summary>
    public static int FoldBatchNorm(Module model)
    {
        int folded = 0;
        foreach (var m in model.Modules().ToList())
        {
            var children = m.NamedChildren().ToList();
            for (int i = 0; i < children.Count; i++)
            {
                if (children[i].Module is not BatchNorm2d bn || bn.RunningMean == null) continue;
                var conv = m is Sequential && i > 0 ? children[i - 1].Module as Conv2d : PairedConv(children, children[i].Name);
                if (conv == null || conv.OutChannels != bn.NumFeatures) continue;
                Fold(conv, bn);
                m.ReplaceModule(children[i].Name, new Identity());
                folded++;
            }
        }
        return folded;
    }

    // The convolution named like a norm's partner: bn1 -> conv1, b2 -> c2, norm0 -> conv0.
    private static Conv2d? PairedConv(List<(string Name, Module Module)> children, string norm)
    {
        foreach (var (prefix, partner) in new[] { ("bn", "conv"), ("norm", "conv"), ("b", "c") })
            if (norm.StartsWith(prefix, StringComparison.Ordinal) && norm.Length > prefix.Length && char.IsDigit(norm[prefix.Length]))
                return children.FirstOrDefault(c => c.Name == partner + norm[prefix.Length..]).Module as Conv2d;
        return null;
    }

    private static void Fold(Conv2d conv, BatchNorm2d bn)
    {
        using var _ = GradMode.NoGrad();
        int o = conv.OutChannels;
        using var invStd = (bn.RunningVar! + bn.Eps).Rsqrt();
        using var scale = bn.Weight != null ? bn.Weight * invStd : invStd.Clone();
        using var s4 = scale.Reshape(o, 1, 1, 1);
        conv.Weight.MulInPlace(s4);
        using var oldBias = conv.Bias?.Clone() ?? Tensor.Zeros([o], conv.Weight.DType);
        var bias = (oldBias - bn.RunningMean!) * scale;
        if (bn.Bias != null) bias.AddInPlace(bn.Bias);
        conv.SetBias(bias);
    }
}

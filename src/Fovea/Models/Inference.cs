// Inference-time rewrites of a trained model: batch normalization folded into the convolution before it, so a
// deployed network runs one op where training ran two. The model's outputs in evaluation mode are unchanged.
using Fovea.Autograd;
using Fovea.NN;

namespace Fovea.Models;

public static class Inference
{
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

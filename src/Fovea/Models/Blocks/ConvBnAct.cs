// The convolution + batch norm + activation unit most CNNs are built from (torchvision's Conv2dNormActivation):
// a Sequential whose children are "0" (conv, no bias), "1" (batch norm) and "2" (activation, when there is one).
using Fovea.NN;

namespace Fovea.Models;

public static class Blocks
{
    /// <summary>conv k x k (padding (k-1)/2 * dilation, no bias) -> BatchNorm2d -> activation (none when null).</summary>
    public static Sequential ConvBnAct(int inChannels, int outChannels, int kernel = 3, int stride = 1, int groups = 1,
        Func<Module>? activation = null, int dilation = 1, double bnEps = 1e-5)
    {
        int padding = (kernel - 1) / 2 * dilation;
        var seq = new Sequential(
            new Conv2d(inChannels, outChannels, kernel, stride, padding, dilation, groups, bias: false),
            new BatchNorm2d(outChannels, eps: bnEps));
        if (activation != null) seq.Add(activation());
        return seq;
    }

    /// <summary>torchvision's initialisation of CNN classifiers: Kaiming-normal (fan out, ReLU) convs, BN (1, 0), linear N(0, 0.01) or default.</summary>
    public static void InitCnn(Module model, bool linearNormal = false)
    {
        foreach (var m in model.Modules())
            switch (m)
            {
                case ConvLayer c:
                    Init.KaimingNormal(c.Weight, fanOut: true, nl: Nonlinearity.Relu);
                    if (c.Bias != null) Init.Zeros(c.Bias);
                    break;
                case BatchNormLayer bn when bn.Weight != null:
                    Init.Ones(bn.Weight);
                    Init.Zeros(bn.Bias!);
                    break;
                case GroupNorm gn when gn.Weight != null:
                    Init.Ones(gn.Weight);
                    Init.Zeros(gn.Bias!);
                    break;
                case Linear l when linearNormal:
                    Init.Normal(l.Weight, 0, 0.01);
                    if (l.Bias != null) Init.Zeros(l.Bias);
                    break;
            }
    }
}

// Softmax and log-softmax along one dim, numerically stable (the line's max is subtracted first). Row-wise SIMD
// kernels when the dim is innermost; the backward passes are tensor ops (differentiable again).
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>exp(x) / sum(exp(x)) along <paramref name="dim"/>, computed without overflow.</summary>
    public Tensor Softmax(int dim) => SoftmaxCore(dim, log: false, "Softmax");

    /// <summary>log(softmax(x)) along <paramref name="dim"/>, computed as x - max - log(sum(exp(x - max))).</summary>
    public Tensor LogSoftmax(int dim) => SoftmaxCore(dim, log: true, "LogSoftmax");

    private Tensor SoftmaxCore(int dim, bool log, string op)
    {
        RequireFloat(op);
        int d = AxisOf(dim, op);
        if (IsHalf) return Via(DType.Float32, t => t.SoftmaxCore(d, log, op));
        using var x = AlongDimBlock(d, out var l);
        var y = Empty(Shape, DType);
        if (y.NumElements > 0) ReductionKernels.For(Device).Softmax(x, l, log, y);
        if (!Graph.Needs(this)) return y;
        // softmax: dx = y (g - sum(g y)); log-softmax: dx = g - exp(y) sum(g).
        return Graph.Record(y, op, [this], g => log
            ? [g - y.Exp() * g.Sum(d, keepDim: true)]
            : [y * (g - (g * y).Sum(d, keepDim: true))], y);
    }
}

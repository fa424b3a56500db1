// Running sums and products along a dim. Integer and bool tensors scan in int64 (like PyTorch); floats
// accumulate in double. CumSum's gradient is a reversed cumulative sum; CumProd's is exact with zeros.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>y[i] = x[0] + ... + x[i] along <paramref name="dim"/>.</summary>
    public Tensor CumSum(int dim) => ScanAlong(dim, product: false, reverse: false, "CumSum");

    /// <summary>y[i] = x[0] * ... * x[i] along <paramref name="dim"/>; its gradient cannot be differentiated again.</summary>
    public Tensor CumProd(int dim) => ScanAlong(dim, product: true, reverse: false, "CumProd");

    /// <summary>y[i] = x[i] + ... + x[n-1] along <paramref name="dim"/> (the adjoint of CumSum).</summary>
    internal Tensor CumSumReverse(int dim) => ScanAlong(dim, product: false, reverse: true, "CumSumReverse");

    private Tensor ScanAlong(int dim, bool product, bool reverse, string op)
    {
        int d = AxisOf(dim, op);
        if (DType is DType.Bool or DType.UInt8 or DType.Int8 or DType.Int32)
        {
            using var l64 = To(DType.Int64);
            return l64.ScanAlong(d, product, reverse, op);
        }
        if (IsHalf) return Via(DType.Float32, t => t.ScanAlong(d, product, reverse, op));
        using var x = AlongDimBlock(d, out var l);
        var y = Empty(Shape, DType);
        if (y.NumElements > 0) ReductionKernels.For(Device).Scan(x, l, product, reverse, y);
        if (!Graph.Needs(this)) return y;
        if (!product) return Graph.Record(y, op, [this], g => [reverse ? g.CumSum(d) : g.CumSumReverse(d)]);
        return Graph.Record(y, op, [this], g => [CumProdBackward(g, d)], this);
    }

    /// <summary>The input gradient of CumProd along <paramref name="dim"/> for output gradient <paramref name="g"/>.</summary>
    private Tensor CumProdBackward(Tensor g, int dim)
    {
        Tensor dx;
        using (GradMode.NoGrad())
        {
            using var x = AlongDimBlock(dim, out var l);
            using var gt = g.To(DType);
            using var gc = gt.AlongDimBlock(dim, out _);
            dx = Empty(Shape, DType);
            if (dx.NumElements > 0) ReductionKernels.For(Device).CumProdBackward(x, gc, l, dx);
        }
        if (!Graph.Needs(g, this)) return dx;
        return Graph.Record(dx, "CumProdBackward", [g, this], _ => throw new NotSupportedException("CumProd: second derivatives are not supported."));
    }
}

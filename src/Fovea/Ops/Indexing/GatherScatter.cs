// Gather and the scatter family along one dimension (torch.gather, scatter, scatter_add, scatter_reduce).
// Their gradients are each other: gather's is a scatter_add into zeros, scatter_add's is a gather.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// out[i][j][k] = this[index[i][j][k]][j][k] for dim 0 (and likewise for other dims). index has this
    /// tensor's rank and is no larger in any dimension but <paramref name="dim"/>; the result has index's shape.
    /// </summary>
    public Tensor Gather(int dim, Tensor index)
    {
        int d = IndexingDim(dim, "Gather");
        CheckScatterShapes("Gather", d, index, null);
        var idx = IndexAsInt64(index, "Gather");
        CheckIndexRange(idx, _shape[d], "Gather", d);
        var y = Empty(idx.Shape, DType);
        IndexingKernels.For(Device).Take(this, StridesWith(_strides, d, 0), idx, _strides[d], y);
        if (!Graph.Needs(this)) { idx.Dispose(); return y; }
        var inShape = _shape;
        return Graph.Record(y, "Gather", [this], g =>
        {
            using var zeros = Zeros(inShape, g.DType);
            return [zeros.ScatterAdd(d, idx, g)];
        }, idx);
    }

    /// <summary>
    /// A copy of this tensor with self[index[i][j]][j] = src[i][j] for dim 0 (and likewise for other dims).
    /// With repeated indices the last write in row-major order wins.
    /// </summary>
    public Tensor Scatter(int dim, Tensor index, Tensor src) => ScatterOp("Scatter", dim, index, src, "assign", includeSelf: true);

    /// <summary>A copy of this tensor with <paramref name="value"/> written at the positions <paramref name="index"/> selects along <paramref name="dim"/>.</summary>
    public Tensor Scatter(int dim, Tensor index, double value)
    {
        int d = IndexingDim(dim, "Scatter");
        CheckScatterShapes("Scatter", d, index, null);
        var idx = IndexAsInt64(index, "Scatter");
        CheckIndexRange(idx, _shape[d], "Scatter", d);
        var y = ContiguousCopy();
        using (var s = Scalar(value, DType))
        using (var v = s.View(idx.ShapeArray, new int[idx.Rank], 0))
            PutAlong(y, d, idx, v, IndexPutOp.Assign);
        if (!Graph.Needs(this)) { idx.Dispose(); return y; }
        return Graph.Record(y, "ScatterValue", [this], g => [g.Scatter(d, idx, 0.0)], idx);
    }

    /// <summary>A copy of this tensor with self[index[i][j]][j] += src[i][j] for dim 0 (and likewise for other dims).</summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor src) => ScatterOp("ScatterAdd", dim, index, src, "sum", includeSelf: true);

    /// <summary>
    /// Reduces the src values that <paramref name="index"/> sends to each position, together with the
    /// position's own value when <paramref name="includeSelf"/>: <paramref name="reduce"/> is "sum", "prod",
    /// "mean", "amax" or "amin". Positions no index reaches keep their value.
    /// </summary>
    public Tensor ScatterReduce(int dim, Tensor index, Tensor src, string reduce, bool includeSelf = true)
    {
        if (reduce is not ("sum" or "prod" or "mean" or "amax" or "amin"))
            throw new ArgumentException($"ScatterReduce: reduce must be \"sum\", \"prod\", \"mean\", \"amax\" or \"amin\", got \"{reduce}\".", nameof(reduce));
        return ScatterOp("ScatterReduce", dim, index, src, reduce, includeSelf);
    }

    // Shared forward and backward of Scatter, ScatterAdd and ScatterReduce.
    private Tensor ScatterOp(string op, int dim, Tensor index, Tensor src, string reduce, bool includeSelf)
    {
        int d = IndexingDim(dim, op);
        src.ThrowIfDisposed();
        CheckSameDevice(op, this, src);
        if (src.DType != DType) throw new ArgumentException($"{op}: src has dtype {DTypes.Name(src.DType)}, this tensor {DTypes.Name(DType)}; they must match.", nameof(src));
        CheckScatterShapes(op, d, index, src);
        var idx = IndexAsInt64(index, op);
        CheckIndexRange(idx, _shape[d], op, d);
        Tensor y, srcBlock = LeadingBlock(src, idx.ShapeArray);
        Tensor? counts = null, touched = null;
        using (GradMode.NoGrad())
        {
            y = ContiguousCopy();
            if (!includeSelf) touched = Touched(d, idx);
            if (reduce == "assign") PutAlong(y, d, idx, srcBlock, IndexPutOp.Assign);
            else ScatterReduceInto(y, d, idx, srcBlock, reduce, includeSelf);
            if (reduce == "mean") (y, counts) = DivideByCounts(y, d, idx, includeSelf);
        }
        if (!Graph.Needs(this, src))
        {
            idx.Dispose(); srcBlock.Dispose(); counts?.Dispose(); touched?.Dispose();
            return y;
        }
        var self = this;
        var srcShape = src.ShapeArray;
        return Graph.Record(y, op, [this, src], g =>
        {
            var (gSelf, gSrc) = ScatterGrads(g, self, srcBlock, idx, d, y, reduce, includeSelf, counts, touched);
            return [self.RequiresGrad ? gSelf : null, src.RequiresGrad ? ZeroPadTo(gSrc, srcShape) : null];
        }, reduce is "amax" or "amin" or "prod" ? [this, src, idx, y] : [idx]);
    }

    // y (a fresh contiguous copy of self) reduced with the src values index sends to each position.
    private static void ScatterReduceInto(Tensor y, int d, Tensor idx, Tensor srcBlock, string reduce, bool includeSelf)
    {
        var op = reduce switch
        {
            "sum" or "mean" => IndexPutOp.Add,
            "prod" => IndexPutOp.Mul,
            "amax" => IndexPutOp.Max,
            _ => IndexPutOp.Min,
        };
        if (!includeSelf)
        {
            // Start reached positions from the reduction's identity; for amax/amin, one of the incoming values is as good.
            if (reduce is "amax" or "amin") PutAlong(y, d, idx, srcBlock, IndexPutOp.Assign);
            else
            {
                using var s = Scalar(reduce == "prod" ? 1 : 0, y.DType);
                using var v = s.View(idx.ShapeArray, new int[idx.Rank], 0);
                PutAlong(y, d, idx, v, IndexPutOp.Assign);
            }
        }
        PutAlong(y, d, idx, srcBlock, op);
    }

    // The mean from the sum: divides by the number of values each position received (plus one for self).
    private static (Tensor Mean, Tensor Counts) DivideByCounts(Tensor sum, int d, Tensor idx, bool includeSelf)
    {
        var countType = DTypes.IsFloatingPoint(sum.DType) ? sum.DType : DType.Float64;
        var counts = Full(sum.ShapeArray, includeSelf ? 1 : 0, countType);
        using (var one = Scalar(1, countType))
        using (var v = one.View(idx.ShapeArray, new int[idx.Rank], 0))
            PutAlong(counts, d, idx, v, IndexPutOp.Add);
        counts.ClampInPlace(min: 1);
        using (sum)
        {
            if (DTypes.IsFloatingPoint(sum.DType)) return (sum / counts, counts);
            // Integers divide with rounding toward minus infinity, like PyTorch.
            using var q = sum.To(DType.Float64) / counts;
            using var f = q.Floor();
            return (f.To(sum.DType), counts);
        }
    }

    // Bool mask of the positions of self (shape of self) that some index reaches.
    private Tensor Touched(int d, Tensor idx)
    {
        var t = Zeros(_shape, DType.Bool);
        using var s = Scalar(1, DType.Bool);
        using var v = s.View(idx.ShapeArray, new int[idx.Rank], 0);
        PutAlong(t, d, idx, v, IndexPutOp.Assign);
        return t;
    }

    // Gradients of self and of src's leading block (index's shape) for each reduction, as in PyTorch's
    // scatter_reduce_backward.
    private static (Tensor Self, Tensor Src) ScatterGrads(Tensor g, Tensor self, Tensor src, Tensor idx, int d, Tensor result,
        string reduce, bool includeSelf, Tensor? counts, Tensor? touched)
    {
        Tensor gSelf, gSrc;
        switch (reduce)
        {
            case "assign":
                return (g.Scatter(d, idx, 0.0), g.Gather(d, idx));
            case "sum":
                gSelf = g;
                gSrc = g.Gather(d, idx);
                break;
            case "mean":
                gSelf = g / counts!;
                gSrc = gSelf.Gather(d, idx);
                break;
            case "prod":
                (gSelf, gSrc) = ProdGrads(g, self, src, idx, d, result, includeSelf);
                break;
            default: // amax, amin: the gradient is shared evenly by all values equal to the result
                var selfIsResult = self.Eq(result);
                if (!includeSelf) selfIsResult = selfIsResult.LogicalAnd(touched!.LogicalNot());
                var value = result.Gather(d, idx);
                var srcIsResult = src.Eq(value);
                var selfCount = selfIsResult.To(g.DType);
                var n = selfCount.ScatterAdd(d, idx, srcIsResult.To(g.DType));
                var shared = g / n;
                gSelf = shared * selfCount;
                gSrc = shared.Gather(d, idx) * srcIsResult.To(g.DType);
                break;
        }
        if (!includeSelf) gSelf = gSelf.MaskedFill(touched!, 0);
        return (gSelf, gSrc);
    }

    // Product gradients that stay exact when some factors are zero (PyTorch's scheme): self's gradient is the
    // product of everything else; a src value that is its group's only zero gets the product of the others.
    private static (Tensor Self, Tensor Src) ProdGrads(Tensor g, Tensor self, Tensor src, Tensor idx, int d, Tensor result, bool includeSelf)
    {
        var maskedSelf = self.MaskedFill(self.Eq(0), 1);
        var maskedSelfResult = maskedSelf.ScatterReduce(d, idx, src, "prod", includeSelf);
        var gSelf = g * maskedSelfResult / maskedSelf;
        var srcZero = src.Eq(0);
        using var zeros = ZerosLike(self);
        var zerosPerGroup = zeros.ScatterAdd(d, idx, srcZero.To(self.DType)).Gather(d, idx);
        var singleZero = srcZero.LogicalAnd(zerosPerGroup.Eq(1));
        var othersProduct = self.ScatterReduce(d, idx, src.MaskedFill(singleZero, 1), "prod", includeSelf);
        var gSrc = Where(singleZero, (g * othersProduct).Gather(d, idx), (g * result).Gather(d, idx) / src.MaskedFill(srcZero, 1));
        return (gSelf, gSrc);
    }

    // index has this tensor's rank, fits inside it except along dim, and inside src everywhere.
    private void CheckScatterShapes(string op, int d, Tensor index, Tensor? src)
    {
        index.ThrowIfDisposed();
        if (index.Rank != Rank || (src != null && src.Rank != Rank))
            throw new ArgumentException($"{op}: index{(src != null ? ", src" : "")} and input must have the same rank; shapes {index.Shape}{(src != null ? $", {src.Shape}" : "")} and {Shape}.", nameof(index));
        for (int i = 0; i < Rank; i++)
        {
            if (i != d && index.ShapeArray[i] > _shape[i])
                throw new ArgumentException($"{op}: index of shape {index.Shape} is larger than the input {Shape} in dimension {i} (only dimension {d} may differ).", nameof(index));
            if (src != null && index.ShapeArray[i] > src.ShapeArray[i])
                throw new ArgumentException($"{op}: index of shape {index.Shape} is larger than src {src.Shape} in dimension {i}.", nameof(index));
        }
    }
}

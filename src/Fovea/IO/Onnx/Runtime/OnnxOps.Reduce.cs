// ONNX reductions (ReduceMean/Sum/Max/Min/Prod/L1/L2/SumSquare/LogSumExp with axes as attribute or input by
// opset, keepdims, noop_with_empty_axes), ArgMax/ArgMin and TopK.
namespace Fovea.IO.Onnx;

internal static partial class OnnxOps
{
    private static void AddReductions(Dictionary<string, Func<OnnxNodeContext, Tensor[]>> t)
    {
        // ReduceSum took its axes as an input from opset 13, the others from opset 18.
        t["ReduceSum"] = c => One(Reduce(c, 13, (x, d, k) => x.Sum(d, k)));
        t["ReduceMean"] = c => One(Reduce(c, 18, (x, d, k) => x.Mean(d, k)));
        t["ReduceMax"] = c => One(Reduce(c, 18, (x, d, k) => x.Amax(d, k)));
        t["ReduceMin"] = c => One(Reduce(c, 18, (x, d, k) => x.Amin(d, k)));
        t["ReduceProd"] = c => One(Reduce(c, 18, Prod));
        t["ReduceL1"] = c => One(Reduce(c, 18, (x, d, k) => { using var a = x.Abs(); return a.Sum(d, k); }));
        t["ReduceL2"] = c => One(Reduce(c, 18, (x, d, k) => { using var s = x.Square(); using var sum = s.Sum(d, k); return sum.Sqrt(); }));
        t["ReduceSumSquare"] = c => One(Reduce(c, 18, (x, d, k) => { using var s = x.Square(); return s.Sum(d, k); }));
        t["ReduceLogSumExp"] = c => One(Reduce(c, 18, (x, d, k) => x.LogSumExp(d, k)));
        t["ArgMax"] = c => One(ArgExtreme(c, max: true));
        t["ArgMin"] = c => One(ArgExtreme(c, max: false));
        t["TopK"] = TopK;
    }

    private static Tensor Reduce(OnnxNodeContext c, long axesInputSince, Func<Tensor, int[], bool, Tensor> reduce)
    {
        var x = c.In(0);
        bool keep = c.Int("keepdims", 1) != 0;
        var axes = AxesOf(c, 1, axesInputSince);
        if (axes == null || axes.Length == 0)
        {
            if (c.Int("noop_with_empty_axes", 0) != 0 || x.Rank == 0) return x.Alias();
            axes = [.. Enumerable.Range(0, x.Rank).Select(i => (long)i)];
        }
        var dims = axes.Select(a => c.Axis(a, x.Rank, "axes")).Distinct().Order().ToArray();
        return reduce(x, dims, keep);
    }

    // Fovea's Prod reduces one dim at a time.
    private static Tensor Prod(Tensor x, int[] dims, bool keep)
    {
        var y = x.Alias();
        foreach (int d in dims.Reverse()) y = Replace(y, y.Prod(d, keepDim: true));
        return keep ? y : Replace(y, y.Reshape([.. Enumerable.Range(0, x.Rank).Where(i => !dims.Contains(i)).Select(x.Size)]));
    }

    private static Tensor ArgExtreme(OnnxNodeContext c, bool max)
    {
        var x = c.In(0);
        if (c.Int("select_last_index", 0) != 0)
            throw new NotSupportedException($"{c.Node.OpType} node '{c.Node.Name}' (opset {c.Opset}): select_last_index = 1 is not supported.");
        int axis = c.Axis(c.Int("axis", 0), x.Rank);
        bool keep = c.Int("keepdims", 1) != 0;
        return max ? x.ArgMax(axis, keep) : x.ArgMin(axis, keep);
    }

    private static Tensor[] TopK(OnnxNodeContext c)
    {
        var x = c.In(0);
        long k = c.Opset < 10 ? c.Int("k", -1) : (long)c.Scalar(c.In(1), "K");
        int axis = c.Axis(c.Int("axis", -1), x.Rank);
        if (k < 0 || k > x.Size(axis)) throw c.Invalid($"K = {k} is out of range for a dim of size {x.Size(axis)}");
        var (values, indices) = x.TopK((int)k, axis, c.Int("largest", 1) != 0, c.Int("sorted", 1) != 0);
        return [values, indices];
    }
}

// ONNX shape and indexing operators: Shape/Size and the int64 shape arithmetic exporters emit around them,
// Reshape (0 and -1 rules, allowzero), Flatten, Transpose, Squeeze/Unsqueeze (axes as attribute or input by
// opset), Concat, Split, Slice (clamping, negative steps), Gather/GatherElements, Expand, Tile, Pad, Range,
// ConstantOfShape, Constant and DepthToSpace.
namespace Fovea.IO.Onnx;

internal static partial class OnnxOps
{
    private static void AddShape(Dictionary<string, Func<OnnxNodeContext, Tensor[]>> t)
    {
        t["Shape"] = c => One(ShapeOf(c));
        t["Size"] = c => One(Tensor.Scalar(c.In(0).NumElements, DType.Int64));
        t["Reshape"] = c => One(Reshape(c));
        t["Flatten"] = c => One(Flatten(c));
        t["Transpose"] = c => One(c.In(0).Permute(c.Ints("perm", [.. Enumerable.Range(0, c.In(0).Rank).Reverse()])));
        t["Squeeze"] = c => One(Squeeze(c));
        t["Unsqueeze"] = c => One(Unsqueeze(c));
        t["Concat"] = c => One(Concat(c));
        t["Split"] = Split;
        t["Slice"] = c => One(Slice(c));
        t["Gather"] = c => One(Gather(c));
        t["GatherElements"] = c => One(GatherElements(c));
        t["Expand"] = c => One(Expand(c));
        t["Tile"] = c => One(Tile(c));
        t["Pad"] = c => One(Pad(c));
        t["Range"] = c => One(Range(c));
        t["ConstantOfShape"] = c => One(ConstantOfShape(c));
        t["Constant"] = c => One(ConstantValue(c.Node, c.Opset));
        t["DepthToSpace"] = c => One(DepthToSpace(c));
    }

    private static Tensor Int64Vector(long[] values) => Tensor.FromArray(values, values.Length);

    /// <summary>Axes from the "axes" attribute (before <paramref name="inputSince"/>) or input <paramref name="input"/>; null when absent.</summary>
    private static long[]? AxesOf(OnnxNodeContext c, int input, long inputSince) =>
        c.Opset < inputSince ? (c.Has("axes") ? c.Node.Ints("axes", []) : null) : c.Opt(input) is { } a ? OnnxNodeContext.Longs(a) : null;

    private static int[] CheckedShape(OnnxNodeContext c, long[] dims, string what) =>
        OnnxTensors.CheckShape(dims, $"{c.Node.OpType} node '{c.Node.Name}' {what}");

    // Opset 15 added start/end attributes selecting a range of dims.
    private static Tensor ShapeOf(OnnxNodeContext c)
    {
        var shape = c.In(0).ShapeArray.Select(d => (long)d).ToArray();
        int r = shape.Length;
        long Clamp(long v) => Math.Clamp(v < 0 ? v + r : v, 0, r);
        long start = Clamp(c.Int("start", 0)), end = Clamp(c.Int("end", r));
        return Int64Vector(shape[(int)start..(int)Math.Max(start, end)]);
    }

    // 0 copies the input's dim (unless allowzero), -1 takes what is left.
    private static Tensor Reshape(OnnxNodeContext c)
    {
        var x = c.In(0);
        var spec = OnnxNodeContext.Longs(c.In(1));
        bool allowZero = c.Int("allowzero", 0) != 0;
        var shape = new long[spec.Length];
        int infer = -1;
        for (int i = 0; i < spec.Length; i++)
        {
            if (spec[i] == -1)
            {
                if (infer >= 0) throw c.Invalid($"shape ({string.Join(", ", spec)}) has more than one -1");
                infer = i;
                shape[i] = 1;
            }
            else if (spec[i] == 0 && !allowZero)
                shape[i] = i < x.Rank ? x.Size(i) : throw c.Invalid($"shape ({string.Join(", ", spec)}) copies dim {i} of an input of rank {x.Rank}");
            else if (spec[i] < 0) throw c.Invalid($"shape ({string.Join(", ", spec)}) has a negative dim");
            else shape[i] = spec[i];
        }
        if (infer >= 0)
        {
            long known = shape.Aggregate(1L, (p, d) => p * d);
            if (known == 0 || x.NumElements % known != 0)
                throw c.Invalid($"cannot reshape {x.Shape} into ({string.Join(", ", spec)})");
            shape[infer] = x.NumElements / known;
        }
        var dims = CheckedShape(c, shape, "shape");
        if (dims.Aggregate(1L, (p, d) => p * d) != x.NumElements)
            throw c.Invalid($"cannot reshape {x.Shape} ({x.NumElements} elements) into ({string.Join(", ", spec)})");
        return x.Reshape(dims);
    }

    private static Tensor Flatten(OnnxNodeContext c)
    {
        var x = c.In(0);
        int axis = c.Axis(c.Int("axis", 1), x.Rank + 1);
        int rows = x.ShapeArray[..axis].Aggregate(1, (p, d) => p * d);
        int cols = x.ShapeArray[axis..].Aggregate(1, (p, d) => p * d);
        return x.Reshape(rows, cols);
    }

    private static Tensor Squeeze(OnnxNodeContext c)
    {
        var x = c.In(0);
        var axes = AxesOf(c, 1, 13);
        var drop = axes == null
            ? Enumerable.Range(0, x.Rank).Where(i => x.Size(i) == 1).ToHashSet()
            : axes.Select(a => c.Axis(a, x.Rank, "axes")).ToHashSet();
        foreach (int a in drop)
            if (x.Size(a) != 1) throw c.Invalid($"cannot squeeze dim {a} of size {x.Size(a)} (shape {x.Shape})");
        return x.Reshape([.. Enumerable.Range(0, x.Rank).Where(i => !drop.Contains(i)).Select(x.Size)]);
    }

    private static Tensor Unsqueeze(OnnxNodeContext c)
    {
        var x = c.In(0);
        var axes = AxesOf(c, 1, 13) ?? throw c.Invalid("axes are required");
        int rank = x.Rank + axes.Length;
        var inserted = axes.Select(a => c.Axis(a, rank, "axes")).ToHashSet();
        if (inserted.Count != axes.Length) throw c.Invalid($"axes ({string.Join(", ", axes)}) repeat a dim");
        var shape = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) shape[i] = inserted.Contains(i) ? 1 : x.Size(j++);
        return x.Reshape(shape);
    }

    private static Tensor Concat(OnnxNodeContext c)
    {
        var parts = Enumerable.Range(0, c.InputCount).Select(c.In).ToList();
        int axis = c.Axis(c.Int("axis", 0), parts[0].Rank);
        // Exporters concatenate empty shape vectors; leaving out empty parts does not change the result.
        var nonEmpty = parts.Where(p => p.NumElements > 0).ToList();
        return nonEmpty.Count == 1 ? nonEmpty[0].Alias() : Tensor.Cat(nonEmpty.Count == 0 ? parts : nonEmpty, axis);
    }

    // Sizes from the "split" attribute (before opset 13) or input, or equal parts (the last smaller with opset 18's num_outputs).
    private static Tensor[] Split(OnnxNodeContext c)
    {
        var x = c.In(0);
        int axis = c.Axis(c.Int("axis", 0), x.Rank);
        int n = x.Size(axis), parts = c.OutputCount;
        int[]? sizes = c.Opset < 13 ? (c.Has("split") ? c.Ints("split", []) : null) : c.OptNonEmpty(1) is { } s ? c.IntsOf(s, "split") : null;
        if (sizes == null)
        {
            int chunk = (n + parts - 1) / parts;
            sizes = [.. Enumerable.Range(0, parts).Select(i => Math.Clamp(n - i * chunk, 0, chunk))];
        }
        if (sizes.Length != parts || sizes.Sum() != n || sizes.Any(v => v < 0))
            throw c.Invalid($"split sizes ({string.Join(", ", sizes)}) must be {parts} values summing to {n}");
        return x.Split(sizes, axis);
    }

    private static Tensor Slice(OnnxNodeContext c)
    {
        var x = c.In(0);
        long[] starts, ends, axes, steps;
        if (c.Opset < 10)
        {
            starts = c.Node.Ints("starts", []);
            ends = c.Node.Ints("ends", []);
            axes = c.Node.Ints("axes", [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)]);
            steps = Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        else
        {
            starts = OnnxNodeContext.Longs(c.In(1));
            ends = OnnxNodeContext.Longs(c.In(2));
            axes = c.OptNonEmpty(3) is { } a ? OnnxNodeContext.Longs(a) : [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
            steps = c.OptNonEmpty(4) is { } s ? OnnxNodeContext.Longs(s) : Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw c.Invalid("starts, ends, axes and steps must have the same length");
        var y = x.Alias();
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = c.Axis(axes[i], x.Rank, "axes");
            if (steps[i] == 0) throw c.Invalid("slice step 0");
            y = Replace(y, SliceAxis(c, y, axis, starts[i], ends[i], steps[i]));
        }
        return y;
    }

    // ONNX's clamping: start to [0, n] ([0, n-1] stepping backwards), end to [0, n] ([-1, n-1] backwards).
    private static Tensor SliceAxis(OnnxNodeContext c, Tensor x, int axis, long start, long end, long step)
    {
        long n = x.Size(axis);
        if (start < 0) start += n;
        if (end < 0) end += n;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, n);
            end = Math.Clamp(end, start, n);
            return x.Slice(axis, (int)start, (int)end, c.ToInt(step, "steps"));
        }
        start = Math.Clamp(start, 0, n - 1);
        end = Math.Clamp(end, -1, n - 1);
        var picks = new List<long>();
        for (long i = start; i > end; i += step) picks.Add(i);
        using var index = Int64Vector([.. picks]);
        return x.IndexSelect(axis, index);
    }

    // Negative indices count from the end; the result has data's dims with the axis replaced by the indices' dims.
    private static Tensor Gather(OnnxNodeContext c)
    {
        var x = c.In(0);
        int axis = c.Axis(c.Int("axis", 0), x.Rank);
        var indices = c.In(1);
        using var flat = NonNegativeIndex(c, indices, x.Size(axis));
        using var picked = x.IndexSelect(axis, flat);
        return picked.Reshape([.. x.ShapeArray[..axis], .. indices.ShapeArray, .. x.ShapeArray[(axis + 1)..]]);
    }

    private static Tensor GatherElements(OnnxNodeContext c)
    {
        var x = c.In(0);
        int axis = c.Axis(c.Int("axis", 0), x.Rank);
        var indices = c.In(1);
        using var flat = NonNegativeIndex(c, indices, x.Size(axis));
        using var index = flat.Reshape(indices.ShapeArray);
        return x.Gather(axis, index);
    }

    private static Tensor NonNegativeIndex(OnnxNodeContext c, Tensor indices, int size)
    {
        var values = OnnxNodeContext.Longs(indices);
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < -size || values[i] >= size) throw c.Invalid($"index {values[i]} is out of range for a dim of size {size}");
            if (values[i] < 0) values[i] += size;
        }
        return Int64Vector(values);
    }

    // Bidirectional broadcast of the input with the given shape.
    private static Tensor Expand(OnnxNodeContext c)
    {
        var x = c.In(0);
        var target = CheckedShape(c, OnnxNodeContext.Longs(c.In(1)), "shape");
        Shape shape;
        try { shape = Shape.Broadcast(x.Shape, new Shape(target), "Expand"); }
        catch (ArgumentException e) { throw c.Invalid(e.Message); }
        CheckedShape(c, [.. shape.Select(d => (long)d)], "output");
        if (shape.Rank > x.Rank)
        {
            using var lifted = x.Reshape([.. Enumerable.Repeat(1, shape.Rank - x.Rank), .. x.ShapeArray]);
            return lifted.Expand(shape.ToArray());
        }
        return x.Expand(shape.ToArray());
    }

    private static Tensor Tile(OnnxNodeContext c)
    {
        var x = c.In(0);
        var repeats = c.IntsOf(c.In(1), "repeats");
        if (repeats.Length != x.Rank) throw c.Invalid($"repeats has {repeats.Length} values for an input of rank {x.Rank}");
        CheckedShape(c, [.. x.ShapeArray.Zip(repeats, (d, r) => (long)d * r)], "output");
        return x.Repeat(repeats);
    }

    // Pads before opset 11 are an attribute; later an input in ONNX's [begins..., ends...] layout, optionally for some axes only.
    private static Tensor Pad(OnnxNodeContext c)
    {
        var x = c.In(0);
        long[] pads;
        double value;
        if (c.Opset < 11)
        {
            pads = c.Node.Ints("pads", []);
            value = c.Float("value", 0);
        }
        else
        {
            pads = OnnxNodeContext.Longs(c.In(1));
            value = c.OptNonEmpty(2) is { } v ? c.Scalar(v, "constant_value") : 0;
        }
        var axes = c.OptNonEmpty(3) is { } a ? OnnxNodeContext.Longs(a).Select(ax => c.Axis(ax, x.Rank, "axes")).ToArray() : [.. Enumerable.Range(0, x.Rank)];
        if (pads.Length != 2 * axes.Length) throw c.Invalid($"pads has {pads.Length} values, expected {2 * axes.Length}");
        var begin = new int[x.Rank];
        var end = new int[x.Rank];
        for (int i = 0; i < axes.Length; i++)
        {
            begin[axes[i]] = c.ToInt(pads[i], "pads");
            end[axes[i]] = c.ToInt(pads[i + axes.Length], "pads");
        }
        int last = Enumerable.Range(0, x.Rank).FirstOrDefault(i => begin[i] != 0 || end[i] != 0, x.Rank);
        if (last == x.Rank) return x.Alias();
        int[] torchPads = [.. Enumerable.Range(last, x.Rank - last).Reverse().SelectMany(i => new[] { begin[i], end[i] })];
        string mode = c.String("mode", "constant") switch
        {
            "constant" => "constant",
            "reflect" => "reflect",
            "edge" => "replicate",
            "wrap" => "circular",
            var m => throw c.Invalid($"unknown pad mode '{m}'"),
        };
        return Tensor.Pad(x, torchPads, mode, mode == "constant" ? value : 0);
    }

    private static Tensor Range(OnnxNodeContext c)
    {
        var start = c.In(0);
        double from = c.Scalar(start, "start"), to = c.Scalar(c.In(1), "limit"), step = c.Scalar(c.In(2), "delta");
        if (step == 0) throw c.Invalid("delta is 0");
        double count = Math.Ceiling((to - from) / step);
        if (count > OnnxTensors.MaxElements) throw c.Invalid($"range of {count} elements is too large");
        return Tensor.Arange(from, to, step, start.DType);
    }

    private static Tensor ConstantOfShape(OnnxNodeContext c)
    {
        var shape = CheckedShape(c, OnnxNodeContext.Longs(c.In(0)), "shape");
        if (c.Node.Attribute("value")?.T is not { } v) return Tensor.Zeros(shape);
        using var fill = OnnxTensors.ToTensor(v, $"ConstantOfShape node '{c.Node.Name}' value");
        if (fill.NumElements != 1) throw c.Invalid($"value must have one element, got shape {fill.Shape}");
        return Tensor.Full(shape, fill.ToDouble(), fill.DType);
    }

    /// <summary>The tensor a Constant node holds, from whichever value attribute it carries.</summary>
    public static Tensor ConstantValue(OnnxNode node, long opset)
    {
        string what = $"Constant node '{node.Name}'";
        foreach (var a in node.Attributes)
            switch (a.Name)
            {
                case "value" when a.T != null: return OnnxTensors.ToTensor(a.T, what);
                case "value_float" when a.F is float f: return Tensor.Scalar(f);
                case "value_floats": return Tensor.FromArray(a.Floats.ToArray(), a.Floats.Count);
                case "value_int" when a.I is long i: return Tensor.Scalar(i, DType.Int64);
                case "value_ints": return Int64Vector([.. a.Ints]);
                case "sparse_value" or "value_string" or "value_strings":
                    throw new NotSupportedException($"{what} (opset {opset}): attribute '{a.Name}' is not supported.");
            }
        throw new InvalidDataException($"{what} (opset {opset}): no value attribute.");
    }

    // DCR (default): depth is (blocksize, blocksize, C); CRD: (C, blocksize, blocksize), i.e. PixelShuffle.
    private static Tensor DepthToSpace(OnnxNodeContext c)
    {
        var x = c.In(0);
        int b = (int)c.Int("blocksize", 0);
        if (x.Rank != 4 || b < 1 || x.Size(1) % (b * b) != 0) throw c.Invalid($"needs (N, C, H, W) with C divisible by blocksize² (blocksize {b}, shape {x.Shape})");
        if (c.String("mode", "DCR") == "CRD") return Tensor.PixelShuffle(x, b);
        int n = x.Size(0), ch = x.Size(1) / (b * b), h = x.Size(2), w = x.Size(3);
        using var split = x.Reshape(n, b, b, ch, h, w);
        using var moved = split.Permute(0, 3, 4, 1, 5, 2);
        return moved.Reshape(n, ch, h * b, w * b);
    }
}

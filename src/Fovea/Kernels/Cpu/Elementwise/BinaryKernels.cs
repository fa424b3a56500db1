// Elementwise functions of two broadcast tensors. BinaryScalar is the reference definition; BinaryRow the
// vectorised path for contiguous rows, with a broadcast scalar on either side.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Fovea.Kernels.Cpu;

/// <summary>ReluGrad: a where b > 0, else 0 (the gradient of relu, a = output gradient, b = relu input or output).</summary>
internal enum BinaryOp { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Atan2, Remainder, ReluGrad }

internal enum CompareOp { Eq, Ne, Lt, Le, Gt, Ge }

internal enum LogicalOp { And, Or, Xor }

internal static class BinaryKernels
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T BinaryScalar<T>(BinaryOp op, T a, T b) where T : unmanaged, INumber<T> => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        BinaryOp.Maximum => T.IsNaN(a) || T.IsNaN(b) ? a + b : T.Max(a, b),
        BinaryOp.Minimum => T.IsNaN(a) || T.IsNaN(b) ? a + b : T.Min(a, b),
        BinaryOp.Remainder => a - T.CreateTruncating(FloorDiv(double.CreateTruncating(a), double.CreateTruncating(b))) * b,
        BinaryOp.Pow => T.CreateTruncating(Math.Pow(double.CreateTruncating(a), double.CreateTruncating(b))),
        BinaryOp.Atan2 => T.CreateTruncating(Math.Atan2(double.CreateTruncating(a), double.CreateTruncating(b))),
        BinaryOp.ReluGrad => b > T.Zero ? a : T.Zero,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static double FloorDiv(double a, double b) => Math.Floor(a / b);

    /// <summary>y = a op b over one row; <paramref name="a"/> or <paramref name="b"/> may have length 1 (broadcast).</summary>
    public static void BinaryRow<T>(BinaryOp op, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T>
    {
        bool sa = a.Length == 1 && y.Length != 1, sb = b.Length == 1 && y.Length != 1;
        switch (op)
        {
            case BinaryOp.Add:
                if (sa) TensorPrimitives.Add(b, a[0], y); else if (sb) TensorPrimitives.Add(a, b[0], y); else TensorPrimitives.Add(a, b, y);
                return;
            case BinaryOp.Sub:
                if (sa) TensorPrimitives.Subtract(a[0], b, y); else if (sb) TensorPrimitives.Subtract(a, b[0], y); else TensorPrimitives.Subtract(a, b, y);
                return;
            case BinaryOp.Mul:
                if (sa) TensorPrimitives.Multiply(b, a[0], y); else if (sb) TensorPrimitives.Multiply(a, b[0], y); else TensorPrimitives.Multiply(a, b, y);
                return;
            case BinaryOp.Div when typeof(T) == typeof(float) || typeof(T) == typeof(double):
                if (sa) TensorPrimitives.Divide(a[0], b, y); else if (sb) TensorPrimitives.Divide(a, b[0], y); else TensorPrimitives.Divide(a, b, y);
                return;
            case BinaryOp.ReluGrad when !sa && !sb:
                ReluGradRow(a, b, y);
                return;
        }
        for (int i = 0; i < y.Length; i++) y[i] = BinaryScalar(op, a[sa ? 0 : i], b[sb ? 0 : i]);
    }

    // y = a where b > 0, else 0: a branch-free vector select, then the scalar rule for the tail.
    private static void ReluGradRow<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T>
    {
        int i = 0, n = y.Length;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var keep = Vector.GreaterThan(new Vector<T>(b[i..]), Vector<T>.Zero);
                Vector.ConditionalSelect(keep, new Vector<T>(a[i..]), Vector<T>.Zero).CopyTo(y[i..]);
            }
        for (; i < n; i++) y[i] = b[i] > T.Zero ? a[i] : T.Zero;
    }

    /// <summary>y = a op b with broadcasting; all three of dtype <paramref name="y"/>.DType (callers cast first).</summary>
    public static void Apply(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        switch (y.DType)
        {
            case DType.Float32: Run<float>(op, a, b, y); break;
            case DType.Float64: Run<double>(op, a, b, y); break;
            case DType.Int32: Run<int>(op, a, b, y); break;
            case DType.Int64: Run<long>(op, a, b, y); break;
            case DType.UInt8: Run<byte>(op, a, b, y); break;
            case DType.Int8: Run<sbyte>(op, a, b, y); break;
            default: throw new ArgumentException($"{op}: not defined for dtype {DTypes.Name(y.DType)}.");
        }
    }

    private static void Run<T>(BinaryOp op, Tensor a, Tensor b, Tensor y) where T : unmanaged, INumber<T>
    {
        // Small contiguous operands of one shape: one row, no iteration plan (the common case for small ops).
        if (y.NumElements <= RowParallel.Grain && a.IsContiguous && b.IsContiguous && y.IsContiguous && a.Shape == y.Shape && b.Shape == y.Shape)
        {
            BinaryRow(op, a.AsSpan<T>(), b.AsSpan<T>(), y.AsSpan<T>());
            return;
        }
        var shape = y.ShapeArray;
        var plan = new StridedRows(shape, [y.StrideArray, StridedRows.BroadcastStrides(a, shape), StridedRows.BroadcastStrides(b, shape)], [y.Offset, a.Offset, b.Offset]);
        var ya = y.RawArray<T>();
        var aa = a.RawArray<T>();
        var ba = b.RawArray<T>();
        int len = plan.RowLength, ys = plan.InnerStrides[0], ast = plan.InnerStrides[1], bst = plan.InnerStrides[2];
        RowParallel.ForSegments(plan.Rows, len, (r, start, count) =>
        {
            Span<int> off = stackalloc int[3];
            plan.RowOffsets(r, off);
            ReadOnlySpan<T> ra = ast switch { 0 => aa.AsSpan(off[1], 1), 1 => aa.AsSpan(off[1] + start, count), _ => Gather(aa, off[1] + start * ast, ast, new T[count]) };
            ReadOnlySpan<T> rb = bst switch { 0 => ba.AsSpan(off[2], 1), 1 => ba.AsSpan(off[2] + start, count), _ => Gather(ba, off[2] + start * bst, bst, new T[count]) };
            if (ys == 1)
            {
                BinaryRow(op, ra, rb, ya.AsSpan(off[0] + start, count));
                return;
            }
            var ty = new T[count];
            BinaryRow(op, ra, rb, ty);
            for (int i = 0, yi = off[0] + start * ys; i < count; i++, yi += ys) ya[yi] = ty[i];
        });
    }

    private static T[] Gather<T>(T[] src, int offset, int stride, T[] tmp)
    {
        for (int i = 0, j = offset; i < tmp.Length; i++, j += stride) tmp[i] = src[j];
        return tmp;
    }

    /// <summary>y(bool) = a cmp b with broadcasting; a and b of one dtype.</summary>
    public static void Compare(CompareOp op, Tensor a, Tensor b, Tensor y)
    {
        switch (a.DType)
        {
            case DType.Float32: CompareRun<float>(op, a, b, y); break;
            case DType.Float64: CompareRun<double>(op, a, b, y); break;
            case DType.Int32: CompareRun<int>(op, a, b, y); break;
            case DType.Int64: CompareRun<long>(op, a, b, y); break;
            case DType.UInt8: CompareRun<byte>(op, a, b, y); break;
            case DType.Int8: CompareRun<sbyte>(op, a, b, y); break;
            default: throw new ArgumentException($"{op}: not defined for dtype {DTypes.Name(a.DType)}.");
        }
    }

    private static void CompareRun<T>(CompareOp op, Tensor a, Tensor b, Tensor y) where T : unmanaged, INumber<T>
    {
        var shape = y.ShapeArray;
        var plan = new StridedRows(shape, [y.StrideArray, StridedRows.BroadcastStrides(a, shape), StridedRows.BroadcastStrides(b, shape)], [y.Offset, a.Offset, b.Offset]);
        var ya = y.RawArray<bool>();
        var aa = a.RawArray<T>();
        var ba = b.RawArray<T>();
        int ys = plan.InnerStrides[0], ast = plan.InnerStrides[1], bst = plan.InnerStrides[2];
        RowParallel.ForSegments(plan.Rows, plan.RowLength, (r, start, count) =>
        {
            Span<int> off = stackalloc int[3];
            plan.RowOffsets(r, off);
            for (int i = 0, yi = off[0] + start * ys, ai = off[1] + start * ast, bi = off[2] + start * bst; i < count; i++, yi += ys, ai += ast, bi += bst)
            {
                T u = aa[ai], v = ba[bi];
                ya[yi] = op switch
                {
                    CompareOp.Eq => u == v,
                    CompareOp.Ne => u != v,
                    CompareOp.Lt => u < v,
                    CompareOp.Le => u <= v,
                    CompareOp.Gt => u > v,
                    _ => u >= v,
                };
            }
        });
    }

    /// <summary>y = a logic b on bool tensors with broadcasting.</summary>
    public static void Logical(LogicalOp op, Tensor a, Tensor b, Tensor y)
    {
        var shape = y.ShapeArray;
        var plan = new StridedRows(shape, [y.StrideArray, StridedRows.BroadcastStrides(a, shape), StridedRows.BroadcastStrides(b, shape)], [y.Offset, a.Offset, b.Offset]);
        var ya = y.RawArray<bool>();
        var aa = a.RawArray<bool>();
        var ba = b.RawArray<bool>();
        Span<int> off = stackalloc int[3];
        for (int r = 0; r < plan.Rows; r++)
        {
            plan.RowOffsets(r, off);
            for (int i = 0, yi = off[0], ai = off[1], bi = off[2]; i < plan.RowLength; i++, yi += plan.InnerStrides[0], ai += plan.InnerStrides[1], bi += plan.InnerStrides[2])
                ya[yi] = op switch { LogicalOp.And => aa[ai] & ba[bi], LogicalOp.Or => aa[ai] | ba[bi], _ => aa[ai] ^ ba[bi] };
        }
    }

    /// <summary>y = cond ? a : b with broadcasting; a, b, y of one dtype.</summary>
    public static void Where(Tensor cond, Tensor a, Tensor b, Tensor y)
    {
        switch (y.DType)
        {
            case DType.Float32: WhereRun<float>(cond, a, b, y); break;
            case DType.Float64: WhereRun<double>(cond, a, b, y); break;
            case DType.Int32: WhereRun<int>(cond, a, b, y); break;
            case DType.Int64: WhereRun<long>(cond, a, b, y); break;
            case DType.UInt8: WhereRun<byte>(cond, a, b, y); break;
            case DType.Int8: WhereRun<sbyte>(cond, a, b, y); break;
            case DType.Bool: WhereRun<bool>(cond, a, b, y); break;
            case DType.Float16: WhereRun<Half>(cond, a, b, y); break;
            case DType.BFloat16: WhereRun<BFloat16>(cond, a, b, y); break;
        }
    }

    private static void WhereRun<T>(Tensor cond, Tensor a, Tensor b, Tensor y) where T : unmanaged
    {
        var shape = y.ShapeArray;
        var plan = new StridedRows(shape,
            [y.StrideArray, StridedRows.BroadcastStrides(cond, shape), StridedRows.BroadcastStrides(a, shape), StridedRows.BroadcastStrides(b, shape)],
            [y.Offset, cond.Offset, a.Offset, b.Offset]);
        var ya = y.RawArray<T>();
        var ca = cond.RawArray<bool>();
        var aa = a.RawArray<T>();
        var ba = b.RawArray<T>();
        var s = plan.InnerStrides;
        Span<int> off = stackalloc int[4];
        for (int r = 0; r < plan.Rows; r++)
        {
            plan.RowOffsets(r, off);
            for (int i = 0, yi = off[0], ci = off[1], ai = off[2], bi = off[3]; i < plan.RowLength; i++, yi += s[0], ci += s[1], ai += s[2], bi += s[3])
                ya[yi] = ca[ci] ? aa[ai] : ba[bi];
        }
    }
}

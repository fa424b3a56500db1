// Elementwise functions of one tensor. UnaryScalar is the reference definition of each function; UnaryRow is
// the fast path (TensorPrimitives vectorises across Vector512/256/128 and honours DOTNET_EnableAVX512F=0)
// and falls back to the reference for functions without a vector form.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Fovea.Kernels.Cpu;

/// <summary>Pointwise functions; A and B are the optional parameters noted per entry.</summary>
internal enum UnaryOp
{
    Neg, Abs, Sign, Sqrt, Rsqrt, Exp, Log, Log1p, Expm1, Sin, Cos, Tanh, Sigmoid, Erf,
    Relu,
    LeakyRelu,   // A = negative slope
    Elu,         // A = alpha
    Gelu, GeluTanh, Silu,
    Softplus,    // A = beta, B = threshold
    Mish, Hardswish, Hardsigmoid,
    Floor, Ceil, Round, Trunc, Reciprocal, Square,
    Clamp,       // A = min, B = max (infinities for "none")
    PowScalar,   // A = exponent
    AddScalar,   // A = value
    MulScalar,   // A = value
    RSubScalar,  // A - x
    RDivScalar,  // A / x
}

internal static class UnaryKernels
{
    /// <summary>Reference definition of every unary op, in the element type's own precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T UnaryScalar<T>(UnaryOp op, T x, T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T one = T.One, zero = T.Zero, half = T.CreateTruncating(0.5);
        switch (op)
        {
            case UnaryOp.Neg: return -x;
            case UnaryOp.Abs: return T.Abs(x);
            case UnaryOp.Sign: return T.IsNaN(x) ? x : x > zero ? one : x < zero ? -one : zero;
            case UnaryOp.Sqrt: return T.Sqrt(x);
            case UnaryOp.Rsqrt: return one / T.Sqrt(x);
            case UnaryOp.Exp: return T.Exp(x);
            case UnaryOp.Log: return T.Log(x);
            case UnaryOp.Log1p: return T.LogP1(x);
            case UnaryOp.Expm1: return T.ExpM1(x);
            case UnaryOp.Sin: return T.Sin(x);
            case UnaryOp.Cos: return T.Cos(x);
            case UnaryOp.Tanh: return T.Tanh(x);
            case UnaryOp.Sigmoid: return one / (one + T.Exp(-x));
            case UnaryOp.Erf: return T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x)));
            case UnaryOp.Relu: return x > zero ? x : T.IsNaN(x) ? x : zero;
            case UnaryOp.LeakyRelu: return x > zero ? x : x * a;
            case UnaryOp.Elu: return x > zero ? x : a * T.ExpM1(x);
            case UnaryOp.Gelu: return half * x * (one + T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x) * 0.7071067811865476)));
            case UnaryOp.GeluTanh:
                {
                    T k = T.CreateTruncating(0.7978845608028654), c = T.CreateTruncating(0.044715);
                    return half * x * (one + T.Tanh(k * (x + c * x * x * x)));
                }
            case UnaryOp.Silu: return x / (one + T.Exp(-x));
            case UnaryOp.Softplus: return x * a > b ? x : T.LogP1(T.Exp(x * a)) / a;
            case UnaryOp.Mish: return x * T.Tanh(x > T.CreateTruncating(20) ? x : T.LogP1(T.Exp(x)));
            case UnaryOp.Hardswish: return x * T.Clamp(x + T.CreateTruncating(3), zero, T.CreateTruncating(6)) / T.CreateTruncating(6);
            case UnaryOp.Hardsigmoid: return T.Clamp(x + T.CreateTruncating(3), zero, T.CreateTruncating(6)) / T.CreateTruncating(6);
            case UnaryOp.Floor: return T.Floor(x);
            case UnaryOp.Ceil: return T.Ceiling(x);
            case UnaryOp.Round: return T.Round(x, MidpointRounding.ToEven);
            case UnaryOp.Trunc: return T.Truncate(x);
            case UnaryOp.Reciprocal: return one / x;
            case UnaryOp.Square: return x * x;
            case UnaryOp.Clamp: return T.IsNaN(x) ? x : x < a ? a : x > b ? b : x;
            case UnaryOp.PowScalar: return T.Pow(x, a);
            case UnaryOp.AddScalar: return x + a;
            case UnaryOp.MulScalar: return x * a;
            case UnaryOp.RSubScalar: return a - x;
            case UnaryOp.RDivScalar: return a / x;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    /// <summary>y = op(x) over a contiguous row, vectorised where TensorPrimitives has the function. x and y must not overlap.</summary>
    public static void UnaryRow<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> y, T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Neg: TensorPrimitives.Negate(x, y); return;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, y); return;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, y); return;
            case UnaryOp.Rsqrt: TensorPrimitives.ReciprocalSqrt(x, y); return;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, y); return;
            case UnaryOp.Log: TensorPrimitives.Log(x, y); return;
            case UnaryOp.Log1p: TensorPrimitives.LogP1(x, y); return;
            case UnaryOp.Expm1: TensorPrimitives.ExpM1(x, y); return;
            case UnaryOp.Sin: TensorPrimitives.Sin(x, y); return;
            case UnaryOp.Cos: TensorPrimitives.Cos(x, y); return;
            case UnaryOp.Tanh: TensorPrimitives.Tanh(x, y); return;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, y); return;
            case UnaryOp.Floor: TensorPrimitives.Floor(x, y); return;
            case UnaryOp.Ceil: TensorPrimitives.Ceiling(x, y); return;
            case UnaryOp.Trunc: TensorPrimitives.Truncate(x, y); return;
            case UnaryOp.Reciprocal: TensorPrimitives.Reciprocal(x, y); return;
            case UnaryOp.Square: TensorPrimitives.Multiply(x, x, y); return;
            case UnaryOp.AddScalar: TensorPrimitives.Add(x, a, y); return;
            case UnaryOp.MulScalar: TensorPrimitives.Multiply(x, a, y); return;
            case UnaryOp.RSubScalar: TensorPrimitives.Subtract(a, x, y); return;
            case UnaryOp.RDivScalar: TensorPrimitives.Divide(a, x, y); return;
            case UnaryOp.Relu: TensorPrimitives.Max(x, T.Zero, y); return;   // NaN propagates, as in torch.relu
            case UnaryOp.Silu:
                TensorPrimitives.Sigmoid(x, y);
                TensorPrimitives.Multiply(x, y, y);
                return;
            case UnaryOp.Clamp:   // ReLU6 and friends; NaN propagates through Max and Min
                TensorPrimitives.Max(x, a, y);
                TensorPrimitives.Min(y, b, y);
                return;
            case UnaryOp.Hardsigmoid:
                ClampShifted(x, y);
                TensorPrimitives.Divide(y, T.CreateTruncating(6), y);
                return;
            case UnaryOp.Hardswish when !x.Overlaps(y):
                ClampShifted(x, y);
                TensorPrimitives.Multiply(x, y, y);
                TensorPrimitives.Divide(y, T.CreateTruncating(6), y);
                return;
            default:
                for (int i = 0; i < x.Length; i++) y[i] = UnaryScalar(op, x[i], a, b);
                return;
        }
    }

    // y = clamp(x + 3, 0, 6), the common part of the hard sigmoid and hard swish.
    private static void ClampShifted<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Add(x, T.CreateTruncating(3), y);
        TensorPrimitives.Max(y, T.Zero, y);
        TensorPrimitives.Min(y, T.CreateTruncating(6), y);
    }

    /// <summary>Integer (and bool-free) subset: ops whose result stays in the integer domain.</summary>
    public static T IntegerScalar<T>(UnaryOp op, T x, T a, T b) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case UnaryOp.Neg: return -x;
            case UnaryOp.Abs: return T.Abs(x);
            case UnaryOp.Sign: return T.CreateTruncating(T.Sign(x));
            case UnaryOp.Relu: return T.Max(x, T.Zero);
            case UnaryOp.Square: return x * x;
            case UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round or UnaryOp.Trunc: return x;
            case UnaryOp.Clamp: return x < a ? a : x > b ? b : x;
            case UnaryOp.AddScalar: return x + a;
            case UnaryOp.MulScalar: return x * a;
            case UnaryOp.RSubScalar: return a - x;
            default: throw new ArgumentException($"{op} is not defined for integer tensors of type {typeof(T).Name}; cast to a floating-point dtype first.");
        }
    }

    /// <summary>y = op(x) elementwise; x any layout, y of x's shape (contiguous or an in-place alias of x).</summary>
    public static void Apply(UnaryOp op, Tensor x, Tensor y, double a, double b)
    {
        switch (x.DType)
        {
            case DType.Float32: Run(op, x, y, (float)a, (float)b); break;
            case DType.Float64: Run(op, x, y, a, b); break;
            case DType.Int32: RunInteger(op, x, y, (int)Math.Clamp(a, int.MinValue, int.MaxValue), (int)Math.Clamp(b, int.MinValue, int.MaxValue)); break;
            case DType.Int64: RunInteger(op, x, y, (long)Math.Clamp(a, long.MinValue, long.MaxValue), (long)Math.Clamp(b, long.MinValue, long.MaxValue)); break;
            case DType.UInt8: RunInteger(op, x, y, (byte)Math.Clamp(a, 0, 255), (byte)Math.Clamp(b, 0, 255)); break;
            case DType.Int8: RunInteger(op, x, y, (sbyte)Math.Clamp(a, -128, 127), (sbyte)Math.Clamp(b, -128, 127)); break;
            default: throw new ArgumentException($"{op}: not defined for dtype {DTypes.Name(x.DType)}.");
        }
    }

    private static void Run<T>(UnaryOp op, Tensor x, Tensor y, T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = x.RawArray<T>();
        var ys = y.RawArray<T>();
        var plan = new StridedRows(y.ShapeArray, [y.StrideArray, x.StrideArray], [y.Offset, x.Offset]);
        int len = plan.RowLength, xst = plan.InnerStrides[1], yst = plan.InnerStrides[0];
        bool direct = yst == 1 && xst == 1;
        RowParallel.ForSegments(plan.Rows, len, (r, start, count) =>
        {
            Span<int> off = stackalloc int[2];
            plan.RowOffsets(r, off);
            if (direct)
            {
                UnaryRow(op, xs.AsSpan(off[1] + start, count), ys.AsSpan(off[0] + start, count), a, b);
                return;
            }
            // Separate buffers: in-place rows may read x after writing y.
            T[] tmp = new T[count], tmpOut = new T[count];
            for (int i = 0, xi = off[1] + start * xst; i < count; i++, xi += xst) tmp[i] = xs[xi];
            UnaryRow(op, tmp, tmpOut, a, b);
            for (int i = 0, yi = off[0] + start * yst; i < count; i++, yi += yst) ys[yi] = tmpOut[i];
        });
    }

    private static void RunInteger<T>(UnaryOp op, Tensor x, Tensor y, T a, T b) where T : unmanaged, INumber<T>
    {
        var xs = x.RawArray<T>();
        var ys = y.RawArray<T>();
        var plan = new StridedRows(y.ShapeArray, [y.StrideArray, x.StrideArray], [y.Offset, x.Offset]);
        Span<int> off = stackalloc int[2];
        for (int r = 0; r < plan.Rows; r++)
        {
            plan.RowOffsets(r, off);
            for (int i = 0, yi = off[0], xi = off[1]; i < plan.RowLength; i++, yi += plan.InnerStrides[0], xi += plan.InnerStrides[1])
                ys[yi] = IntegerScalar(op, xs[xi], a, b);
        }
    }
}

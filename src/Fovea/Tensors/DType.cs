// Element types a tensor can hold, their sizes, and PyTorch's type-promotion rule for mixed operands.
namespace Fovea;

/// <summary>The element type of a tensor.</summary>
public enum DType
{
    Float32,
    Float64,
    Int32,
    Int64,
    UInt8,
    Int8,
    Bool,
    /// <summary>IEEE half precision; a storage format (kernels compute in float32).</summary>
    Float16,
    /// <summary>Brain floating point (8-bit exponent, 7-bit mantissa); a storage format.</summary>
    BFloat16,
}

/// <summary>Facts about <see cref="DType"/> values.</summary>
public static class DTypes
{
    /// <summary>The dtype new floating-point tensors get when none is named.</summary>
    public static DType Default => DType.Float32;

    public static int SizeOf(DType t) => t switch
    {
        DType.Float64 or DType.Int64 => 8,
        DType.Float32 or DType.Int32 => 4,
        DType.Float16 or DType.BFloat16 => 2,
        _ => 1,
    };

    public static bool IsFloatingPoint(DType t) => t is DType.Float32 or DType.Float64 or DType.Float16 or DType.BFloat16;

    public static bool IsInteger(DType t) => t is DType.Int32 or DType.Int64 or DType.UInt8 or DType.Int8;

    /// <summary>PyTorch-style names: float32, int64, bool ...</summary>
    public static string Name(DType t) => t switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.UInt8 => "uint8",
        DType.Int8 => "int8",
        DType.Bool => "bool",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        _ => t.ToString(),
    };

    /// <summary>The .NET element type used to store <paramref name="t"/>.</summary>
    public static Type ClrType(DType t) => t switch
    {
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        DType.Int32 => typeof(int),
        DType.Int64 => typeof(long),
        DType.UInt8 => typeof(byte),
        DType.Int8 => typeof(sbyte),
        DType.Bool => typeof(bool),
        DType.Float16 => typeof(Half),
        DType.BFloat16 => typeof(BFloat16),
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>The dtype stored as the .NET type <typeparamref name="T"/>.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(byte)) return DType.UInt8;
        if (typeof(T) == typeof(sbyte)) return DType.Int8;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        if (typeof(T) == typeof(Half)) return DType.Float16;
        if (typeof(T) == typeof(BFloat16)) return DType.BFloat16;
        throw new NotSupportedException($"No tensor dtype is stored as {typeof(T).Name}.");
    }

    // Promotion lattice of torch.result_type: bool < integers < floating point.
    private static int Category(DType t) => t == DType.Bool ? 0 : IsInteger(t) ? 1 : 2;

    /// <summary>The dtype of the result of a binary op on tensors of dtypes <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == b) return a;
        int ca = Category(a), cb = Category(b);
        if (ca != cb) return ca > cb ? a : b;
        if (ca == 2)
        {
            if (a == DType.Float64 || b == DType.Float64) return DType.Float64;
            if (a == DType.Float32 || b == DType.Float32) return DType.Float32;
            return DType.Float32; // float16 with bfloat16
        }
        // Integers: the wider one; uint8 with int8 goes to int16 in PyTorch, which Fovea has not, so int32.
        if (a == DType.Int64 || b == DType.Int64) return DType.Int64;
        return DType.Int32;
    }

    /// <summary>The dtype of a tensor of dtype <paramref name="t"/> combined with a .NET scalar: a float scalar makes integer tensors float32.</summary>
    public static DType PromoteWithScalar(DType t, bool scalarIsFloat) =>
        scalarIsFloat && !IsFloatingPoint(t) ? Default : t;
}

// Conversion between ONNX TensorProtos and Fovea tensors. Every declared shape is checked against the bytes that
// are actually there before anything is allocated, so a corrupt or hostile file is an InvalidDataException, never
// an out-of-memory. ONNX types Fovea has no kernels for are widened: float16/bfloat16 to float32, int16/uint16 to
// int32, uint32/uint64 to int64.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Fovea.IO.Onnx;

internal static class OnnxTensors
{
    /// <summary>The largest tensor (in elements) a model may declare or a shape computation may create.</summary>
    public const long MaxElements = 1L << 30;

    /// <summary>The Fovea dtype an ONNX element type computes in.</summary>
    public static DType ToDType(OnnxDataType t, string what) => t switch
    {
        OnnxDataType.Float or OnnxDataType.Float16 or OnnxDataType.BFloat16 => DType.Float32,
        OnnxDataType.Double => DType.Float64,
        OnnxDataType.Int32 or OnnxDataType.Int16 or OnnxDataType.UInt16 => DType.Int32,
        OnnxDataType.Int64 or OnnxDataType.UInt32 or OnnxDataType.UInt64 => DType.Int64,
        OnnxDataType.Int8 => DType.Int8,
        OnnxDataType.UInt8 => DType.UInt8,
        OnnxDataType.Bool => DType.Bool,
        _ => throw Unsupported(t, what),
    };

    /// <summary>The ONNX element type of a Fovea dtype.</summary>
    public static OnnxDataType ToOnnx(DType t) => t switch
    {
        DType.Float32 => OnnxDataType.Float,
        DType.Float64 => OnnxDataType.Double,
        DType.Int32 => OnnxDataType.Int32,
        DType.Int64 => OnnxDataType.Int64,
        DType.UInt8 => OnnxDataType.UInt8,
        DType.Int8 => OnnxDataType.Int8,
        DType.Bool => OnnxDataType.Bool,
        DType.Float16 => OnnxDataType.Float16,
        DType.BFloat16 => OnnxDataType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>Checks a declared shape (non-negative, at most <see cref="MaxElements"/> elements) and returns it as ints.</summary>
    public static int[] CheckShape(IReadOnlyList<long> dims, string what)
    {
        var shape = new int[dims.Count];
        long n = 1;
        for (int i = 0; i < dims.Count; i++)
        {
            long d = dims[i];
            if (d < 0 || d > MaxElements) throw new InvalidDataException($"{what}: dimension {i} is {d}; dims must be in [0, {MaxElements}].");
            shape[i] = (int)d;
            n *= d;
            if (n > MaxElements) throw new InvalidDataException($"{what}: shape ({string.Join(", ", dims)}) has more than {MaxElements} elements.");
        }
        return shape;
    }

    /// <summary>A Fovea tensor holding an ONNX tensor's values.</summary>
    public static Tensor ToTensor(OnnxTensor t, string what)
    {
        if (t.HasExternalData) throw new NotSupportedException($"{what}: tensors stored in external data files are not supported.");
        var shape = CheckShape(t.Dims, what);
        int n = shape.Aggregate(1, (a, b) => a * b);
        return t.DataType switch
        {
            OnnxDataType.Float => Make(Values(t, n, 4, t.FloatData, what), shape),
            OnnxDataType.Double => Make(Values(t, n, 8, t.DoubleData, what), shape),
            OnnxDataType.Int64 => Make(Values(t, n, 8, t.Int64Data, what), shape),
            OnnxDataType.Int32 => Make(Values(t, n, 4, t.Int32Data, what), shape),
            OnnxDataType.Int16 => Make(Widen<short, int>(t, n, what, v => v, v => v), shape),
            OnnxDataType.UInt16 => Make(Widen<ushort, int>(t, n, what, v => v, v => v & 0xFFFF), shape),
            OnnxDataType.Int8 => Make(Widen<sbyte, sbyte>(t, n, what, v => v, v => (sbyte)v), shape),
            OnnxDataType.UInt8 => Make(Widen<byte, byte>(t, n, what, v => v, v => (byte)v), shape),
            OnnxDataType.Bool => Make(Widen<byte, bool>(t, n, what, v => v != 0, v => v != 0), shape),
            OnnxDataType.Float16 => Make(Widen<Half, float>(t, n, what, v => (float)v, v => (float)BitConverter.UInt16BitsToHalf((ushort)v)), shape),
            OnnxDataType.BFloat16 => Make(Widen<ushort, float>(t, n, what, BFloat16ToFloat, v => BFloat16ToFloat((ushort)v)), shape),
            OnnxDataType.UInt32 => Make(Widen<uint, long>(t, n, what, v => v, t.UInt64Data, v => (long)v), shape),
            OnnxDataType.UInt64 => Make(Widen<ulong, long>(t, n, what, v => (long)v, t.UInt64Data, v => (long)v), shape),
            _ => throw Unsupported(t.DataType, what),
        };
    }

    /// <summary>An ONNX tensor (raw little-endian data) holding a Fovea tensor's values.</summary>
    public static OnnxTensor FromTensor(Tensor x, string name)
    {
        var t = new OnnxTensor { Name = name, DataType = ToOnnx(x.DType) };
        foreach (int d in x.Shape) t.Dims.Add(d);
        using var c = x.Contiguous();
        t.RawData = x.DType switch
        {
            DType.Float32 => Bytes(c.AsSpan<float>()),
            DType.Float64 => Bytes(c.AsSpan<double>()),
            DType.Int32 => Bytes(c.AsSpan<int>()),
            DType.Int64 => Bytes(c.AsSpan<long>()),
            DType.UInt8 => Bytes(c.AsSpan<byte>()),
            DType.Int8 => Bytes(c.AsSpan<sbyte>()),
            DType.Bool => Bytes(c.AsSpan<bool>()),
            DType.Float16 => Bytes(c.AsSpan<Half>()),
            _ => throw new NotSupportedException($"ONNX export: tensor '{name}' has dtype {DTypes.Name(x.DType)}, which has no ONNX export here."),
        };
        return t;
    }

    private static byte[] Bytes<T>(Span<T> s) where T : unmanaged => MemoryMarshal.AsBytes(s).ToArray();

    private static Exception Unsupported(OnnxDataType t, string what) => t is OnnxDataType.String or OnnxDataType.Complex64 or OnnxDataType.Complex128
        ? new NotSupportedException($"{what}: ONNX element type {t} is not supported.")
        : new InvalidDataException($"{what}: unknown ONNX element type code {(int)t}.");

    private static Tensor Make<T>(T[] data, int[] shape) where T : unmanaged => Tensor.Wrap(data, shape);

    // Values of a type whose typed field has the same element type: raw bytes or the typed list.
    private static T[] Values<T>(OnnxTensor t, int n, int size, List<T> typed, string what) where T : unmanaged
    {
        if (t.RawData.Length > 0)
        {
            if (t.RawData.Length != (long)n * size)
                throw new InvalidDataException($"{what}: raw data has {t.RawData.Length} bytes, shape ({string.Join(", ", t.Dims)}) of {t.DataType} needs {(long)n * size}.");
            return MemoryMarshal.Cast<byte, T>(t.RawData).ToArray();
        }
        if (typed.Count != n)
            throw new InvalidDataException($"{what}: {typed.Count} values stored, shape ({string.Join(", ", t.Dims)}) needs {n}.");
        return [.. typed];
    }

    // Values of a narrow type: raw bytes of TRaw, or (as ONNX stores them) one int32_data entry per element.
    private static TOut[] Widen<TRaw, TOut>(OnnxTensor t, int n, string what, Func<TRaw, TOut> fromRaw, Func<int, TOut> fromInt32)
        where TRaw : unmanaged where TOut : unmanaged
    {
        if (t.RawData.Length == 0 && t.Int32Data.Count != n)
            throw new InvalidDataException($"{what}: {t.Int32Data.Count} values stored, shape ({string.Join(", ", t.Dims)}) needs {n}.");
        return t.RawData.Length > 0 ? FromRaw(t, n, what, fromRaw) : t.Int32Data.Select(fromInt32).ToArray();
    }

    // The same for types ONNX keeps in uint64_data.
    private static TOut[] Widen<TRaw, TOut>(OnnxTensor t, int n, string what, Func<TRaw, TOut> fromRaw, List<ulong> typed, Func<ulong, TOut> fromTyped)
        where TRaw : unmanaged where TOut : unmanaged
    {
        if (t.RawData.Length == 0 && typed.Count != n)
            throw new InvalidDataException($"{what}: {typed.Count} values stored, shape ({string.Join(", ", t.Dims)}) needs {n}.");
        return t.RawData.Length > 0 ? FromRaw(t, n, what, fromRaw) : typed.Select(fromTyped).ToArray();
    }

    private static TOut[] FromRaw<TRaw, TOut>(OnnxTensor t, int n, string what, Func<TRaw, TOut> convert) where TRaw : unmanaged
    {
        int size = Unsafe.SizeOf<TRaw>();
        if (t.RawData.Length != (long)n * size)
            throw new InvalidDataException($"{what}: raw data has {t.RawData.Length} bytes, shape ({string.Join(", ", t.Dims)}) of {t.DataType} needs {(long)n * size}.");
        var raw = MemoryMarshal.Cast<byte, TRaw>(t.RawData);
        var result = new TOut[n];
        for (int i = 0; i < n; i++) result[i] = convert(raw[i]);
        return result;
    }

    private static float BFloat16ToFloat(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
}

// Strided copy with dtype conversion: the kernel behind Contiguous(), To(dtype), CopyFrom and expand materialisation.
using System.Runtime.CompilerServices;

namespace Fovea.Kernels.Cpu;

internal static class CopyKernels
{
    /// <summary>dst[...] = (TDst)src[...] over the common (broadcast) shape of dst.</summary>
    public static void Copy(Tensor src, Tensor dst)
    {
        var shape = dst.ShapeArray;
        var plan = new StridedRows(shape, [dst.StrideArray, StridedRows.BroadcastStrides(src, shape)], [dst.Offset, src.Offset]);
        DispatchSrc(src.DType, dst.DType, src, dst, plan);
    }

    private static void DispatchSrc(DType s, DType d, Tensor src, Tensor dst, StridedRows plan)
    {
        switch (s)
        {
            case DType.Float32: DispatchDst<float>(d, src, dst, plan); break;
            case DType.Float64: DispatchDst<double>(d, src, dst, plan); break;
            case DType.Int32: DispatchDst<int>(d, src, dst, plan); break;
            case DType.Int64: DispatchDst<long>(d, src, dst, plan); break;
            case DType.UInt8: DispatchDst<byte>(d, src, dst, plan); break;
            case DType.Int8: DispatchDst<sbyte>(d, src, dst, plan); break;
            case DType.Bool: DispatchDst<bool>(d, src, dst, plan); break;
            case DType.Float16: DispatchDst<Half>(d, src, dst, plan); break;
            case DType.BFloat16: DispatchDst<BFloat16>(d, src, dst, plan); break;
        }
    }

    private static void DispatchDst<TS>(DType d, Tensor src, Tensor dst, StridedRows plan) where TS : unmanaged
    {
        switch (d)
        {
            case DType.Float32: Run<TS, float>(src, dst, plan); break;
            case DType.Float64: Run<TS, double>(src, dst, plan); break;
            case DType.Int32: Run<TS, int>(src, dst, plan); break;
            case DType.Int64: Run<TS, long>(src, dst, plan); break;
            case DType.UInt8: Run<TS, byte>(src, dst, plan); break;
            case DType.Int8: Run<TS, sbyte>(src, dst, plan); break;
            case DType.Bool: Run<TS, bool>(src, dst, plan); break;
            case DType.Float16: Run<TS, Half>(src, dst, plan); break;
            case DType.BFloat16: Run<TS, BFloat16>(src, dst, plan); break;
        }
    }

    private static void Run<TS, TD>(Tensor src, Tensor dst, StridedRows plan) where TS : unmanaged where TD : unmanaged
    {
        var s = src.RawArray<TS>();
        var d = dst.RawArray<TD>();
        int len = plan.RowLength, ds = plan.InnerStrides[0], ss = plan.InnerStrides[1];
        RowParallel.ForSegments(plan.Rows, len, (r, start, count) =>
        {
            Span<int> off = stackalloc int[2];
            plan.RowOffsets(r, off);
            int si0 = off[1] + start * ss, di0 = off[0] + start * ds;
            if (typeof(TS) == typeof(TD) && ds == 1 && ss == 1)
            {
                s.AsSpan(si0, count).CopyTo(Unsafe.As<TD[], TS[]>(ref d).AsSpan(di0, count));
                return;
            }
            if (typeof(TS) == typeof(TD) && ds == 1 && ss == 0)
            {
                Unsafe.As<TD[], TS[]>(ref d).AsSpan(di0, count).Fill(s[si0]);
                return;
            }
            if (typeof(TS) == typeof(bool) && typeof(TD) == typeof(float) && ds == 1 && ss == 1)
            {
                // Masks to floats (0/1), the common case in gradients of relu-like ops.
                var sb = Unsafe.As<TS[], bool[]>(ref s).AsSpan(si0, count);
                var df = Unsafe.As<TD[], float[]>(ref d).AsSpan(di0, count);
                for (int i = 0; i < count; i++) df[i] = sb[i] ? 1f : 0f;
                return;
            }
            for (int i = 0, si = si0, di = di0; i < count; i++, si += ss, di += ds)
                d[di] = Convert<TS, TD>(s[si]);
        });
    }

    /// <summary>Element conversion following PyTorch: float to int truncates toward zero, anything nonzero is true.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TD Convert<TS, TD>(TS v) where TS : unmanaged where TD : unmanaged
    {
        if (typeof(TS) == typeof(TD)) return Unsafe.As<TS, TD>(ref v);
        if (typeof(TD) == typeof(bool))
        {
            bool b = ToDouble(v) != 0;
            return Unsafe.As<bool, TD>(ref b);
        }
        if (typeof(TS) == typeof(long) && typeof(TD) == typeof(double))
        {
            double dd = Unsafe.As<TS, long>(ref v);
            return Unsafe.As<double, TD>(ref dd);
        }
        return FromDouble<TD>(ToDouble(v));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble<T>(T v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Unsafe.As<T, float>(ref v);
        if (typeof(T) == typeof(double)) return Unsafe.As<T, double>(ref v);
        if (typeof(T) == typeof(int)) return Unsafe.As<T, int>(ref v);
        if (typeof(T) == typeof(long)) return Unsafe.As<T, long>(ref v);
        if (typeof(T) == typeof(byte)) return Unsafe.As<T, byte>(ref v);
        if (typeof(T) == typeof(sbyte)) return Unsafe.As<T, sbyte>(ref v);
        if (typeof(T) == typeof(bool)) return Unsafe.As<T, bool>(ref v) ? 1 : 0;
        if (typeof(T) == typeof(Half)) return (double)Unsafe.As<T, Half>(ref v);
        if (typeof(T) == typeof(BFloat16)) return (float)Unsafe.As<T, BFloat16>(ref v);
        throw new NotSupportedException(typeof(T).Name);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromDouble<T>(double v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { float x = (float)v; return Unsafe.As<float, T>(ref x); }
        if (typeof(T) == typeof(double)) return Unsafe.As<double, T>(ref v);
        if (typeof(T) == typeof(int)) { int x = double.IsNaN(v) ? int.MinValue : (int)Math.Truncate(v); return Unsafe.As<int, T>(ref x); }
        if (typeof(T) == typeof(long)) { long x = double.IsNaN(v) ? long.MinValue : (long)Math.Truncate(v); return Unsafe.As<long, T>(ref x); }
        if (typeof(T) == typeof(byte)) { byte x = unchecked((byte)(long)Math.Truncate(v)); return Unsafe.As<byte, T>(ref x); }
        if (typeof(T) == typeof(sbyte)) { sbyte x = unchecked((sbyte)(long)Math.Truncate(v)); return Unsafe.As<sbyte, T>(ref x); }
        if (typeof(T) == typeof(bool)) { bool x = v != 0; return Unsafe.As<bool, T>(ref x); }
        if (typeof(T) == typeof(Half)) { Half x = (Half)v; return Unsafe.As<Half, T>(ref x); }
        if (typeof(T) == typeof(BFloat16)) { BFloat16 x = (BFloat16)(float)v; return Unsafe.As<BFloat16, T>(ref x); }
        throw new NotSupportedException(typeof(T).Name);
    }
}

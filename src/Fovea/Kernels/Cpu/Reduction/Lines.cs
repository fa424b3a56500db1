// Shared plumbing of the line-wise reduction kernels: reading one line of an (Outer, N, Inner) block as a span,
// writing a line back, summing in double, and splitting lines into fixed, shape-only parallel chunks.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class Lines
{
    /// <summary>Runs body(line0, line1) over all lines in chunks that depend only on the layout.</summary>
    public static void For(LineLayout l, Action<int, int> body) => RowParallel.For(l.Lines, l.N, body);

    /// <summary>Line <paramref name="line"/> of x (block at <paramref name="offset"/>): the data itself when Inner == 1, else a copy in scratch.</summary>
    public static ReadOnlySpan<T> Read<T>(T[] x, int offset, LineLayout l, int line, T[]? scratch)
    {
        int s = offset + l.Start(line);
        if (l.Inner == 1) return x.AsSpan(s, l.N);
        for (int i = 0, j = s; i < l.N; i++, j += l.Inner) scratch![i] = x[j];
        return scratch.AsSpan(0, l.N);
    }

    /// <summary>Writes <paramref name="src"/> (length k) as line <paramref name="line"/> of a (Outer, k, Inner) block.</summary>
    public static void Write<T>(ReadOnlySpan<T> src, T[] y, int offset, LineLayout l, int k, int line)
    {
        int s = offset + line / l.Inner * k * l.Inner + line % l.Inner;
        for (int i = 0, j = s; i < k; i++, j += l.Inner) y[j] = src[i];
    }

    /// <summary>A scratch line buffer, needed only when lines are strided.</summary>
    public static T[]? Scratch<T>(LineLayout l) => l.Inner == 1 ? null : new T[l.N];

    /// <summary>The sum of <paramref name="x"/> accumulated in double, in an order independent of SIMD width.</summary>
    public static double SumDouble<T>(ReadOnlySpan<T> x) where T : unmanaged, INumberBase<T>
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= x.Length; i += 4)
        {
            s0 += double.CreateTruncating(x[i]);
            s1 += double.CreateTruncating(x[i + 1]);
            s2 += double.CreateTruncating(x[i + 2]);
            s3 += double.CreateTruncating(x[i + 3]);
        }
        for (; i < x.Length; i++) s0 += double.CreateTruncating(x[i]);
        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>The error for a dtype a kernel does not handle.</summary>
    public static ArgumentException Unsupported(string op, Tensor t) =>
        new($"{op}: not defined for dtype {DTypes.Name(t.DType)}.");
}

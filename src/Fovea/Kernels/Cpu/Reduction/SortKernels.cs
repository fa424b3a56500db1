// Stable sorting of each line (by value, ties by position; NaN counts as the largest value, as in PyTorch),
// keeping the first k results: Sort uses k = N, TopK a smaller k.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class SortKernels
{
    public static void Sort(Tensor x, LineLayout l, bool descending, int k, Tensor values, Tensor indices)
    {
        switch (x.DType)
        {
            case DType.Float32: Sort<float>(x, l, descending, k, values, indices); break;
            case DType.Float64: Sort<double>(x, l, descending, k, values, indices); break;
            case DType.Int32: Sort<int>(x, l, descending, k, values, indices); break;
            case DType.Int64: Sort<long>(x, l, descending, k, values, indices); break;
            case DType.UInt8: Sort<byte>(x, l, descending, k, values, indices); break;
            case DType.Int8: Sort<sbyte>(x, l, descending, k, values, indices); break;
            default: throw Lines.Unsupported("Sort", x);
        }
    }

    private static void Sort<T>(Tensor x, LineLayout l, bool descending, int k, Tensor values, Tensor indices) where T : unmanaged, INumber<T>
    {
        var xa = x.RawArray<T>();
        var va = values.RawArray<T>();
        var ia = indices.RawArray<long>();
        int xo = x.Offset, vo = values.Offset, io = indices.Offset;
        Lines.For(l, (l0, l1) =>
        {
            var line = new T[l.N];
            var order = new int[l.N];
            var sortedValues = new T[k];
            var sortedIndices = new long[k];
            var comparer = new Order<T>(line, descending);
            for (int li = l0; li < l1; li++)
            {
                Lines.Read(xa, xo, l, li, line).CopyTo(line);
                for (int i = 0; i < l.N; i++) order[i] = i;
                order.AsSpan().Sort(comparer);
                for (int i = 0; i < k; i++)
                {
                    sortedValues[i] = line[order[i]];
                    sortedIndices[i] = order[i];
                }
                Lines.Write<T>(sortedValues, va, vo, l, k, li);
                Lines.Write<long>(sortedIndices, ia, io, l, k, li);
            }
        });
    }

    /// <summary>Orders positions of a line by value (NaN largest), then by position, so the sort is stable.</summary>
    private readonly struct Order<T>(T[] values, bool descending) : IComparer<int> where T : unmanaged, INumber<T>
    {
        public int Compare(int a, int b)
        {
            int c = CompareValues(values[a], values[b]);
            if (descending) c = -c;
            return c != 0 ? c : a.CompareTo(b);
        }

        private static int CompareValues(T a, T b)
        {
            bool an = T.IsNaN(a), bn = T.IsNaN(b);
            if (an || bn) return an == bn ? 0 : an ? 1 : -1;
            return a < b ? -1 : a > b ? 1 : 0;
        }
    }
}

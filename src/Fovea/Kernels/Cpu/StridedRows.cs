// Walks several same-shaped (after broadcasting) strided operands row by row. Dimensions that are laid out
// back to back in every operand are merged first, so the innermost row is as long as possible and the per-row
// index arithmetic is paid rarely. Rows are numbered, so work can be split into fixed row ranges.
namespace Fovea.Kernels.Cpu;

/// <summary>An iteration plan over the rows of up to four strided operands of a common shape.</summary>
internal sealed class StridedRows
{
    private readonly int[] _outer;      // sizes of the outer (row-indexing) dimensions
    private readonly int[][] _strides;  // per operand, strides of the outer dimensions
    private readonly int[] _offsets;    // per operand, element offset of the first element

    /// <summary>Length of each row (the merged innermost dimension).</summary>
    public int RowLength { get; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Per operand, the stride inside a row (0 = broadcast scalar, 1 = contiguous).</summary>
    public int[] InnerStrides { get; }

    public StridedRows(int[] shape, int[][] strides, int[] offsets)
    {
        int ops = strides.Length;
        // Drop size-1 dims, then merge dim i into i+1 when every operand has stride[i] == stride[i+1] * size[i+1].
        var sizes = new List<int>();
        var st = new List<int[]>();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            var col = new int[ops];
            for (int k = 0; k < ops; k++) col[k] = strides[k][d];
            if (sizes.Count > 0)
            {
                int last = sizes.Count - 1;
                bool mergeable = true;
                for (int k = 0; k < ops && mergeable; k++) mergeable = st[last][k] == col[k] * shape[d];
                if (mergeable)
                {
                    sizes[last] *= shape[d];
                    st[last] = col;
                    continue;
                }
            }
            sizes.Add(shape[d]);
            st.Add(col);
        }
        int total = 1;
        foreach (int s in shape) total *= s;
        if (sizes.Count == 0)
        {
            sizes.Add(1);
            st.Add(new int[ops]);
        }
        int n = sizes.Count;
        RowLength = total == 0 ? 0 : sizes[n - 1];
        InnerStrides = st[n - 1];
        _outer = sizes.Take(n - 1).ToArray();
        _strides = new int[ops][];
        for (int k = 0; k < ops; k++)
        {
            _strides[k] = new int[n - 1];
            for (int d = 0; d < n - 1; d++) _strides[k][d] = st[d][k];
        }
        _offsets = offsets;
        Rows = total == 0 ? 0 : _outer.Aggregate(1, (a, b) => a * b);
    }

    /// <summary>Writes the starting element offset of row <paramref name="row"/> for each operand.</summary>
    public void RowOffsets(int row, Span<int> result)
    {
        for (int k = 0; k < result.Length; k++) result[k] = _offsets[k];
        for (int d = _outer.Length - 1; d >= 0 && row > 0; d--)
        {
            int i = row % _outer[d];
            row /= _outer[d];
            for (int k = 0; k < result.Length; k++) result[k] += i * _strides[k][d];
        }
    }

    /// <summary>The strides of <paramref name="shape"/>-shaped <paramref name="t"/> broadcast to <paramref name="shape"/>.</summary>
    public static int[] BroadcastStrides(Tensor t, int[] shape)
    {
        var r = new int[shape.Length];
        int lead = shape.Length - t.Rank;
        if (lead < 0) throw new ArgumentException($"Cannot broadcast a tensor of shape {t.Shape} to the lower-rank shape {new Shape(shape)}.");
        for (int d = 0; d < t.Rank; d++) r[lead + d] = t.ShapeArray[d] == 1 ? 0 : t.StrideArray[d];
        return r;
    }
}

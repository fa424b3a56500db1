// An immutable tensor shape with the helpers every op needs: element counts, contiguous strides,
// dimension wrapping and NumPy broadcasting.
using System.Collections;

namespace Fovea;

/// <summary>The sizes of a tensor's dimensions, outermost first. Prints as <c>(8, 1, 28, 28)</c>.</summary>
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[]? _dims;

    public Shape(params int[] dims)
    {
        foreach (int d in dims)
            if (d < 0) throw new ArgumentException($"Shape: dimensions must be >= 0, got ({string.Join(", ", dims)})", nameof(dims));
        _dims = (int[])dims.Clone();
    }

    private Shape(int[] dims, bool noCopy) => _dims = dims;

    internal static Shape Wrap(int[] dims) => new(dims, noCopy: true);

    public static implicit operator Shape(int[] dims) => new(dims);

    public int Rank => _dims?.Length ?? 0;
    public int Count => Rank;
    public int this[int index] => (_dims ?? [])[index < 0 ? index + Rank : index];

    /// <summary>Total number of elements (1 for a scalar).</summary>
    public int NumElements
    {
        get
        {
            long n = 1;
            foreach (int d in Dims) n *= d;
            if (n > int.MaxValue) throw new OverflowException($"Shape {this} has {n} elements, more than a tensor may hold ({int.MaxValue}).");
            return (int)n;
        }
    }

    internal int[] Dims => _dims ?? [];

    public int[] ToArray() => (int[])Dims.Clone();

    /// <summary>Row-major (C-contiguous) strides in elements.</summary>
    public int[] ContiguousStrides()
    {
        var d = Dims;
        var s = new int[d.Length];
        int acc = 1;
        for (int i = d.Length - 1; i >= 0; i--) { s[i] = acc; acc *= Math.Max(d[i], 1); }
        return s;
    }

    /// <summary>Turns a possibly negative dimension index into 0..rank-1, or throws naming the op.</summary>
    public static int WrapDim(int dim, int rank, string op)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r) throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dim {dim} is out of range for a tensor of rank {rank} (expected -{r}..{r - 1})");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>The NumPy broadcast of two shapes, or an error naming the op and both shapes.</summary>
    public static Shape Broadcast(Shape a, Shape b, string op)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Rank) >= 0 ? a.Dims[i - (rank - a.Rank)] : 1;
            int db = i - (rank - b.Rank) >= 0 ? b.Dims[i - (rank - b.Rank)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast (dimension {i}: {da} vs {db})");
            r[i] = da == 1 ? db : da;
        }
        return Wrap(r);
    }

    public bool Equals(Shape other) => Dims.AsSpan().SequenceEqual(other.Dims);
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public override string ToString() => Rank == 1 ? $"({Dims[0]},)" : "(" + string.Join(", ", Dims) + ")";

    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)Dims).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

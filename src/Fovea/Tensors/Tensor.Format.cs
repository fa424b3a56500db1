// ToString in PyTorch's style: nested brackets, aligned columns, "..." beyond 1000 elements.
using System.Globalization;
using System.Text;

namespace Fovea;

public sealed partial class Tensor
{
    private const int SummaryThreshold = 1000, EdgeItems = 3;

    public override string ToString()
    {
        if (_disposed) return $"tensor(<disposed>, shape={Shape})";
        double[] v;
        using (var f = To(DType.Float64)) v = f.ToArray<double>();
        bool summarize = v.Length > SummaryThreshold;
        bool isFloat = DTypes.IsFloatingPoint(DType);
        bool scientific = false;
        if (isFloat)
        {
            var finite = v.Where(double.IsFinite).Select(Math.Abs).Where(a => a > 0).ToArray();
            if (finite.Length > 0) scientific = finite.Max() >= 1e8 || finite.Min() < 1e-4 || finite.Max() / finite.Min() > 1e3 && finite.Max() > 1e5;
        }
        string Fmt(double x)
        {
            if (DType == DType.Bool) return x != 0 ? "True" : "False";
            if (!isFloat) return ((long)x).ToString(CultureInfo.InvariantCulture);
            if (double.IsNaN(x)) return "nan";
            if (double.IsInfinity(x)) return x > 0 ? "inf" : "-inf";
            return scientific ? x.ToString("0.0000e+00", CultureInfo.InvariantCulture) : x.ToString("0.0000", CultureInfo.InvariantCulture);
        }
        int width = v.Length == 0 ? 0 : v.Select(Fmt).Max(s => s.Length);
        var sb = new StringBuilder("tensor(");
        if (Rank == 0) sb.Append(Fmt(v[0]));
        else Append(sb, v, 0, 0, Shape.ContiguousStrides(), summarize, width, Fmt, "tensor(".Length);
        if (DType != DType.Float32 && DType != DType.Int64 && DType != DType.Bool) sb.Append(", dtype=").Append(DTypes.Name(DType));
        if (GradFn != null) sb.Append(", grad_fn=<").Append(GradFn.Name).Append('>');
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    private void Append(StringBuilder sb, double[] v, int dim, int offset, int[] strides, bool summarize, int width, Func<double, string> fmt, int indent)
    {
        sb.Append('[');
        int n = _shape[dim];
        for (int i = 0; i < n; i++)
        {
            if (summarize && n > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(dim == Rank - 1 ? "..., " : "...,\n" + new string(' ', indent + dim + 1));
                i = n - EdgeItems;
            }
            if (dim == Rank - 1) sb.Append(fmt(v[offset + i * strides[dim]]).PadLeft(width));
            else Append(sb, v, dim + 1, offset + i * strides[dim], strides, summarize, width, fmt, indent);
            if (i < n - 1) sb.Append(dim == Rank - 1 ? ", " : "," + new string('\n', Rank - 1 - dim) + new string(' ', indent + dim + 1));
        }
        sb.Append(']');
    }
}

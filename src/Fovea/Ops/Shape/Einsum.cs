// Einstein summation (torch.einsum) built from differentiable ops, so autograd comes for free: repeated labels
// of one operand become diagonal views, labels nobody else needs are summed away, and each pair of operands is
// contracted left to right by permuting to (batch, free, contracted) and one batched matrix product.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    // Label ids: 'A'-'Z' are 0-25 and 'a'-'z' 26-51 (so sorted ids follow ASCII, as PyTorch orders implicit
    // outputs); the dimensions an ellipsis covers get 52, 53 ... aligned from the right across operands.
    private const int EllipsisLabel = 52;

    /// <summary>
    /// Sums products of the operands' elements over the labels of <paramref name="equation"/> (like torch.einsum):
    /// "ij,jk->ik" is a matrix product, "bij,bjk->bik" a batched one, "ii->i" a diagonal, "ii" a trace,
    /// "...ij->...ji" a batched transpose. Without "->" the output holds the labels used once, in alphabetical
    /// order, after any ellipsis dimensions. Size-1 dimensions broadcast.
    /// <example><code>var scores = Tensor.Einsum("bhqd,bhkd->bhqk", q, k);</code></example>
    /// </summary>
    public static Tensor Einsum(string equation, params Tensor[] operands)
    {
        var eq = equation.Replace(" ", "");
        int arrow = eq.IndexOf("->", StringComparison.Ordinal);
        var terms = (arrow < 0 ? eq : eq[..arrow]).Split(',');
        if (terms.Length != operands.Length)
            throw new ArgumentException($"Einsum: equation \"{equation}\" has {terms.Length} operand subscripts but {operands.Length} tensors were given.", nameof(operands));
        int ellipsisRank = 0;
        for (int i = 0; i < operands.Length; i++)
        {
            operands[i].ThrowIfDisposed();
            if (terms[i].Contains("...")) ellipsisRank = Math.Max(ellipsisRank, operands[i].Rank - (terms[i].Length - 3));
        }
        var labels = new List<int>[operands.Length];
        for (int i = 0; i < operands.Length; i++) labels[i] = ParseEinsumTerm(terms[i], operands[i].Rank, ellipsisRank, equation, i);
        var output = arrow < 0
            ? ImplicitEinsumOutput(labels, ellipsisRank)
            : ParseEinsumTerm(eq[(arrow + 2)..], -1, ellipsisRank, equation, -1);
        var sizes = EinsumSizes(operands, labels, output, equation);

        var owned = new List<Tensor>(); // intermediates to dispose at the end
        try
        {
            var ts = new Tensor[operands.Length];
            for (int i = 0; i < operands.Length; i++)
            {
                ts[i] = EinsumDiagonals(operands[i], labels[i], owned);
                var keep = output.Concat(labels.Where((_, j) => j != i).SelectMany(l => l)).ToHashSet();
                ts[i] = SumLabels(ts[i], labels[i], keep, owned);
            }
            var acc = ts[0];
            var accLabels = labels[0];
            for (int k = 1; k < ts.Length; k++)
            {
                var keep = output.Concat(labels.Skip(k + 1).SelectMany(l => l)).ToHashSet();
                (acc, accLabels) = Contract(acc, accLabels, ts[k], labels[k], keep, sizes, owned);
            }
            return acc.Permute(output.Select(l => accLabels.IndexOf(l)).ToArray());
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    private static string EinsumLabelName(int label) =>
        label < 26 ? ((char)('A' + label)).ToString() : label < EllipsisLabel ? ((char)('a' + label - 26)).ToString() : "...";

    // The label ids of one term; rank -1 parses the output (where an ellipsis stands for all ellipsis dims).
    private static List<int> ParseEinsumTerm(string term, int rank, int ellipsisRank, string equation, int operand)
    {
        string who = operand < 0 ? "the output" : $"operand {operand}";
        var r = new List<int>();
        bool ellipsis = false;
        for (int p = 0; p < term.Length; p++)
        {
            char c = term[p];
            if (c == '.')
            {
                if (ellipsis || p + 2 >= term.Length || term[p + 1] != '.' || term[p + 2] != '.')
                    throw new ArgumentException($"Einsum: subscripts \"{term}\" of {who} in \"{equation}\" have a malformed or repeated ellipsis.");
                ellipsis = true;
                p += 2;
                int covered = rank < 0 ? ellipsisRank : rank - (term.Length - 3);
                if (covered < 0) throw new ArgumentException($"Einsum: {who} has {rank} dimensions but subscripts \"{term}\" name more.");
                for (int e = ellipsisRank - covered; e < ellipsisRank; e++) r.Add(EllipsisLabel + e);
            }
            else if (c is >= 'A' and <= 'Z') r.Add(c - 'A');
            else if (c is >= 'a' and <= 'z') r.Add(26 + c - 'a');
            else throw new ArgumentException($"Einsum: invalid subscript '{c}' in \"{equation}\"; use letters a-z, A-Z and \"...\".");
        }
        if (rank >= 0 && r.Count != rank)
            throw new ArgumentException($"Einsum: {who} has {rank} dimensions but its subscripts \"{term}\" name {r.Count} in \"{equation}\".");
        if (rank < 0)
        {
            var dup = r.GroupBy(l => l).FirstOrDefault(g => g.Count() > 1);
            if (dup != null) throw new ArgumentException($"Einsum: output subscript '{EinsumLabelName(dup.Key)}' appears more than once in \"{equation}\".");
        }
        return r;
    }

    // Implicit output: the ellipsis dims, then the labels that occur exactly once overall, sorted.
    private static List<int> ImplicitEinsumOutput(List<int>[] labels, int ellipsisRank)
    {
        var counts = labels.SelectMany(l => l).Where(l => l < EllipsisLabel).GroupBy(l => l);
        var once = counts.Where(g => g.Count() == 1).Select(g => g.Key).Order();
        return Enumerable.Range(EllipsisLabel, ellipsisRank).Concat(once).ToList();
    }

    // The size of every label: equal wherever it occurs, except that size 1 broadcasts.
    private static Dictionary<int, int> EinsumSizes(Tensor[] operands, List<int>[] labels, List<int> output, string equation)
    {
        var sizes = new Dictionary<int, int>();
        for (int i = 0; i < operands.Length; i++)
        {
            for (int d = 0; d < labels[i].Count; d++)
            {
                int l = labels[i][d], n = operands[i].ShapeArray[d];
                int first = labels[i].IndexOf(l);
                if (first != d && operands[i].ShapeArray[first] != n)
                    throw new ArgumentException($"Einsum: label '{EinsumLabelName(l)}' is repeated in operand {i} (shape {operands[i].Shape}) with different sizes {operands[i].ShapeArray[first]} and {n}.");
                if (!sizes.TryGetValue(l, out int have) || have == 1) sizes[l] = n;
                else if (n != have && n != 1)
                    throw new ArgumentException($"Einsum: label '{EinsumLabelName(l)}' has size {n} in operand {i} (shape {operands[i].Shape}) but {have} elsewhere in \"{equation}\"; sizes must match or be 1.");
            }
        }
        foreach (int l in output)
            if (!sizes.ContainsKey(l))
                throw new ArgumentException($"Einsum: output subscript '{EinsumLabelName(l)}' does not appear in any operand of \"{equation}\".");
        return sizes;
    }

    // Replaces each repeated label by the diagonal over its occurrences; labels is updated to match.
    private static Tensor EinsumDiagonals(Tensor t, List<int> labels, List<Tensor> owned)
    {
        for (int q = labels.Count - 1; q > 0; q--)
        {
            int p = labels.IndexOf(labels[q]);
            if (p == q) continue;
            t = DiagonalView(t, p, q);
            owned.Add(t);
            labels.RemoveAt(q);
        }
        return t;
    }

    // The elements whose indices along dims p and q are equal, as a view with dim q removed.
    private static Tensor DiagonalView(Tensor t, int p, int q)
    {
        var shape = t.ShapeArray.Where((_, i) => i != q).ToArray();
        var strides = t.StrideArray.ToArray();
        strides[p] += strides[q];
        var y = t.View(shape, strides.Where((_, i) => i != q).ToArray(), t.Offset);
        if (!Graph.Needs(t)) return y;
        var inShape = t.ShapeArray;
        return Graph.Record(y, "Diagonal", [t], g => [DiagonalBackward(g, inShape, p, q)]);
    }

    // Zeros of the input shape with g written onto the (p, q) diagonal; differentiable (its gradient is the diagonal).
    private static Tensor DiagonalBackward(Tensor g, int[] inShape, int p, int q)
    {
        var r = Zeros(inShape, g.DType);
        using (GradMode.NoGrad())
        {
            var strides = r.StrideArray.ToArray();
            strides[p] += strides[q];
            using var diag = r.View(g.ShapeArray.ToArray(), strides.Where((_, i) => i != q).ToArray(), 0);
            ElementwiseKernels.For(r.Device).Copy(g, diag);
        }
        return Graph.Needs(g) ? Graph.Record(r, "DiagonalBackward", [g], gg => [DiagonalView(gg, p, q)]) : r;
    }

    // Sums away the labels not in keep; labels is updated to match.
    private static Tensor SumLabels(Tensor t, List<int> labels, HashSet<int> keep, List<Tensor> owned)
    {
        var dims = Enumerable.Range(0, labels.Count).Where(d => !keep.Contains(labels[d])).ToArray();
        if (dims.Length == 0) return t;
        var s = t.Sum(dims);
        owned.Add(s);
        labels.RemoveAll(l => !keep.Contains(l));
        return s;
    }

    // Contracts two operands over their shared labels that are not kept; the result's labels are
    // (batch, left-only, right-only), where batch labels are shared and kept.
    private static (Tensor, List<int>) Contract(Tensor a, List<int> labelsA, Tensor b, List<int> labelsB, HashSet<int> keep, Dictionary<int, int> sizes, List<Tensor> owned)
    {
        List<int> la = [.. labelsA], lb = [.. labelsB];
        a = SumLabels(a, la, keep.Concat(lb).ToHashSet(), owned);
        b = SumLabels(b, lb, keep.Concat(la).ToHashSet(), owned);
        var batch = la.Where(l => lb.Contains(l) && keep.Contains(l)).ToList();
        var summed = la.Where(l => lb.Contains(l) && !keep.Contains(l)).ToList();
        var left = la.Where(l => !lb.Contains(l)).ToList();
        var right = lb.Where(l => !la.Contains(l)).ToList();
        int Size(IEnumerable<int> ls) => ls.Aggregate(1, (n, l) => n * sizes[l]);

        var am = Arrange(a, la, [.. batch, .. left, .. summed], [Size(batch), Size(left), Size(summed)], sizes, owned);
        var bm = Arrange(b, lb, [.. batch, .. summed, .. right], [Size(batch), Size(summed), Size(right)], sizes, owned);
        var dt = DTypes.Promote(a.DType, b.DType);
        Tensor product;
        if (DTypes.IsFloatingPoint(dt))
        {
            product = MatMul(am, bm);
            // MatMul saves its operands for backward, so they may only be freed when no graph is built.
            if (!Graph.Needs(am, bm)) owned.AddRange([am, bm]);
        }
        else
        {
            // Integer and bool operands: broadcast multiply and sum (MatMul is floating point only).
            using var au = am.Unsqueeze(3);
            using var bu = bm.Unsqueeze(1);
            using var prod = au * bu;
            using var s = prod.Sum(2);
            product = s.To(dt);
            owned.AddRange([am, bm]);
        }
        owned.Add(product);
        var shape = batch.Concat(left).Concat(right).Select(l => sizes[l]).ToArray();
        var r = product.Reshape(shape);
        owned.Add(r);
        return (r, [.. batch, .. left, .. right]);
    }

    // Permutes t (labelled la) to the label order `order`, broadcasts size-1 dims, and reshapes to `matrix`
    // (the result is left to the caller to free).
    private static Tensor Arrange(Tensor t, List<int> la, List<int> order, int[] matrix, Dictionary<int, int> sizes, List<Tensor> owned)
    {
        var p = t.Permute(order.Select(l => la.IndexOf(l)).ToArray());
        owned.Add(p);
        var full = order.Select(l => sizes[l]).ToArray();
        if (!p.ShapeArray.SequenceEqual(full))
        {
            p = p.Expand(full);
            owned.Add(p);
        }
        return p.Reshape(matrix);
    }
}

// Products and running sums/products along lines. Float lines accumulate in double (as PyTorch's CPU kernels do),
// int64 lines in int64. Scans walk an outer block's N rows in order, updating Inner accumulators at once.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class ScanKernels
{
    public static void Prod(Tensor x, LineLayout l, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: Prod<float, double>(x, l, y); break;
            case DType.Float64: Prod<double, double>(x, l, y); break;
            case DType.Int64: Prod<long, long>(x, l, y); break;
            default: throw Lines.Unsupported("Prod", x);
        }
    }

    private static void Prod<T, TAcc>(Tensor x, LineLayout l, Tensor y) where T : unmanaged, INumber<T> where TAcc : unmanaged, INumber<TAcc>
    {
        var xa = x.RawArray<T>();
        var ya = y.RawArray<T>();
        int xo = x.Offset, yo = y.Offset;
        Lines.For(l, (l0, l1) =>
        {
            var scratch = Lines.Scratch<T>(l);
            for (int line = l0; line < l1; line++)
            {
                TAcc p = TAcc.One;
                foreach (T v in Lines.Read(xa, xo, l, line, scratch)) p *= TAcc.CreateTruncating(v);
                ya[yo + line] = T.CreateTruncating(p);
            }
        });
    }

    public static void ProdOthers(Tensor x, LineLayout l, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: ProdOthers<float>(x, l, y); break;
            case DType.Float64: ProdOthers<double>(x, l, y); break;
            default: throw Lines.Unsupported("Prod backward", x);
        }
    }

    // y[i] = (product of x[j], j < i) * (product of x[j], j > i): a prefix pass and a suffix pass, no division.
    private static void ProdOthers<T>(Tensor x, LineLayout l, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xa = x.RawArray<T>();
        var ya = y.RawArray<T>();
        int xo = x.Offset, yo = y.Offset;
        Lines.For(l, (l0, l1) =>
        {
            var left = new double[l.N];
            for (int line = l0; line < l1; line++)
            {
                int s = l.Start(line);
                double p = 1;
                for (int i = 0; i < l.N; i++) { left[i] = p; p *= double.CreateTruncating(xa[xo + s + i * l.Inner]); }
                p = 1;
                for (int i = l.N - 1; i >= 0; i--)
                {
                    ya[yo + s + i * l.Inner] = T.CreateTruncating(left[i] * p);
                    p *= double.CreateTruncating(xa[xo + s + i * l.Inner]);
                }
            }
        });
    }

    public static void Scan(Tensor x, LineLayout l, bool product, bool reverse, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: Scan<float, double>(x, l, product, reverse, y); break;
            case DType.Float64: Scan<double, double>(x, l, product, reverse, y); break;
            case DType.Int64: Scan<long, long>(x, l, product, reverse, y); break;
            default: throw Lines.Unsupported(product ? "CumProd" : "CumSum", x);
        }
    }

    private static void Scan<T, TAcc>(Tensor x, LineLayout l, bool product, bool reverse, Tensor y) where T : unmanaged, INumber<T> where TAcc : unmanaged, INumber<TAcc>
    {
        var xa = x.RawArray<T>();
        var ya = y.RawArray<T>();
        int xo = x.Offset, yo = y.Offset, inner = l.Inner;
        RowParallel.For(l.Outer, l.N * inner, (o0, o1) =>
        {
            var acc = new TAcc[inner];
            for (int o = o0; o < o1; o++)
            {
                Array.Fill(acc, product ? TAcc.One : TAcc.Zero);
                for (int rr = 0; rr < l.N; rr++)
                {
                    int row = (o * l.N + (reverse ? l.N - 1 - rr : rr)) * inner;
                    for (int i = 0; i < inner; i++)
                    {
                        var v = TAcc.CreateTruncating(xa[xo + row + i]);
                        acc[i] = product ? acc[i] * v : acc[i] + v;
                        ya[yo + row + i] = T.CreateTruncating(acc[i]);
                    }
                }
            }
        });
    }

    public static void CumProdBackward(Tensor x, Tensor dy, LineLayout l, Tensor dx)
    {
        switch (x.DType)
        {
            case DType.Float32: CumProdBackward<float>(x, dy, l, dx); break;
            case DType.Float64: CumProdBackward<double>(x, dy, l, dx); break;
            default: throw Lines.Unsupported("CumProd backward", x);
        }
    }

    // With z the first zero of the line (N if none) and y = cumprod(x):
    //   i < z:  dx[i] = sum_{k=i}^{z-1} dy[k] y[k] / x[i]   (later terms contain the zero x[z]);
    //   i = z:  dx[z] = sum_{k>=z} dy[k] y[z-1] prod_{z<j<=k} x[j];
    //   i > z:  dx[i] = 0 (every term contains x[z]).
    private static void CumProdBackward<T>(Tensor x, Tensor dy, LineLayout l, Tensor dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xa = x.RawArray<T>();
        var ga = dy.RawArray<T>();
        var da = dx.RawArray<T>();
        int xo = x.Offset, go = dy.Offset, dxo = dx.Offset;
        Lines.For(l, (l0, l1) =>
        {
            var xs = new double[l.N];
            var ys = new double[l.N];
            for (int line = l0; line < l1; line++)
            {
                int s = l.Start(line), z = l.N;
                double p = 1;
                for (int i = 0; i < l.N; i++)
                {
                    xs[i] = double.CreateTruncating(xa[xo + s + i * l.Inner]);
                    ys[i] = p *= xs[i];
                    if (xs[i] == 0 && z == l.N) z = i;
                }
                double acc = 0;
                for (int i = z - 1; i >= 0; i--)
                {
                    acc += double.CreateTruncating(ga[go + s + i * l.Inner]) * ys[i];
                    da[dxo + s + i * l.Inner] = T.CreateTruncating(acc / xs[i]);
                }
                if (z == l.N) continue;
                double run = z > 0 ? ys[z - 1] : 1, sum = 0;
                for (int k = z; k < l.N; k++)
                {
                    if (k > z) run *= xs[k];
                    sum += double.CreateTruncating(ga[go + s + k * l.Inner]) * run;
                    if (k > z) da[dxo + s + k * l.Inner] = T.Zero;
                }
                da[dxo + s + z * l.Inner] = T.CreateTruncating(sum);
            }
        });
    }
}

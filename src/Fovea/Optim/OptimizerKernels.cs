// Fused per-parameter update loops. Each follows the order of operations of PyTorch 1.13's single-tensor
// implementation (torch/optim/*.py), computing in the parameter's precision, so trajectories agree to ~1e-6.
using System.Numerics;

namespace Fovea.Optim;

internal static class OptimizerKernels
{
    public static void Sgd<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> buf, bool firstStep, T lr, T momentum, T dampening, T weightDecay, bool nesterov, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < p.Length; i++)
        {
            T d = maximize ? -g[i] : g[i];
            if (weightDecay != T.Zero) d += weightDecay * p[i];
            if (momentum != T.Zero)
            {
                buf[i] = firstStep ? d : buf[i] * momentum + (T.One - dampening) * d;
                d = nesterov ? d + momentum * buf[i] : buf[i];
            }
            p[i] -= lr * d;
        }
    }

    public static void Adam<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, Span<T> vmax, T lr, T beta1, T beta2, T eps, T weightDecay,
        bool decoupled, bool amsgrad, bool maximize, long step) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bc1 = 1 - Math.Pow(double.CreateTruncating(beta1), step);
        double bc2 = 1 - Math.Pow(double.CreateTruncating(beta2), step);
        T stepSize = T.CreateTruncating(double.CreateTruncating(lr) / bc1);
        T bc2Sqrt = T.CreateTruncating(Math.Sqrt(bc2));
        T decay = T.One - lr * weightDecay;
        int start = amsgrad ? 0 : AdamVector(p, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, maximize, stepSize, bc2Sqrt, decay);
        for (int i = start; i < p.Length; i++)
        {
            T gi = maximize ? -g[i] : g[i];
            if (decoupled) p[i] *= decay;
            else if (weightDecay != T.Zero) gi += weightDecay * p[i];
            m[i] = m[i] * beta1 + (T.One - beta1) * gi;
            v[i] = v[i] * beta2 + (T.One - beta2) * gi * gi;
            T second = v[i];
            if (amsgrad)
            {
                vmax[i] = T.Max(vmax[i], v[i]);
                second = vmax[i];
            }
            T denom = T.Sqrt(second) / bc2Sqrt + eps;
            p[i] -= stepSize * (m[i] / denom);
        }
    }

    // The vector body of Adam without AMSGrad: the same operations in the same order per element (IEEE mul, add, div
    // and sqrt are exact per lane, and nothing is fused), so results match the scalar loop bit for bit. Returns the
    // index where the scalar tail starts.
    private static int AdamVector<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, T lr, T beta1, T beta2, T eps, T weightDecay,
        bool decoupled, bool maximize, T stepSize, T bc2Sqrt, T decay) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector.IsHardwareAccelerated || !Vector<T>.IsSupported) return 0;
        int w = Vector<T>.Count, i = 0;
        if (g.Length < p.Length || m.Length < p.Length || v.Length < p.Length) throw new ArgumentException("Adam: state buffers are shorter than the parameter.");
        T oneMinusB1 = T.One - beta1, oneMinusB2 = T.One - beta2;
        for (; i <= p.Length - w; i += w)
        {
            var gi = new Vector<T>(g[i..]);
            if (maximize) gi = -gi;
            var pi = new Vector<T>(p[i..]);
            if (decoupled) pi *= decay;
            else if (weightDecay != T.Zero) gi += weightDecay * pi;
            var mi = new Vector<T>(m[i..]) * beta1 + oneMinusB1 * gi;
            var vi = new Vector<T>(v[i..]) * beta2 + oneMinusB2 * gi * gi;
            var denom = Vector.SquareRoot(vi) / new Vector<T>(bc2Sqrt) + new Vector<T>(eps);
            pi -= stepSize * (mi / denom);
            mi.CopyTo(m[i..]);
            vi.CopyTo(v[i..]);
            pi.CopyTo(p[i..]);
        }
        return i;
    }

    public static void RmsProp<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> sq, Span<T> gavg, Span<T> buf, T lr, T alpha, T eps, T weightDecay, T momentum, bool centered, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < p.Length; i++)
        {
            T gi = maximize ? -g[i] : g[i];
            if (weightDecay != T.Zero) gi += weightDecay * p[i];
            sq[i] = sq[i] * alpha + (T.One - alpha) * gi * gi;
            T avg;
            if (centered)
            {
                gavg[i] = gavg[i] * alpha + (T.One - alpha) * gi;
                avg = T.Sqrt(sq[i] - gavg[i] * gavg[i]) + eps;
            }
            else avg = T.Sqrt(sq[i]) + eps;
            if (momentum > T.Zero)
            {
                buf[i] = buf[i] * momentum + gi / avg;
                p[i] -= lr * buf[i];
            }
            else p[i] -= lr * (gi / avg);
        }
    }

    public static void Adagrad<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> sum, T clr, T eps, T weightDecay, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < p.Length; i++)
        {
            T gi = maximize ? -g[i] : g[i];
            if (weightDecay != T.Zero) gi += weightDecay * p[i];
            sum[i] += gi * gi;
            p[i] -= clr * (gi / (T.Sqrt(sum[i]) + eps));
        }
    }

    /// <summary>LAMB's Adam-style direction r (written into <paramref name="r"/>); the caller applies the trust ratio.</summary>
    public static void LambDirection<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, Span<T> r, T beta1, T beta2, T eps, T weightDecay, long step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T bc1 = T.CreateTruncating(1 - Math.Pow(double.CreateTruncating(beta1), step));
        T bc2 = T.CreateTruncating(1 - Math.Pow(double.CreateTruncating(beta2), step));
        for (int i = 0; i < p.Length; i++)
        {
            m[i] = m[i] * beta1 + (T.One - beta1) * g[i];
            v[i] = v[i] * beta2 + (T.One - beta2) * g[i] * g[i];
            r[i] = m[i] / bc1 / (T.Sqrt(v[i] / bc2) + eps) + weightDecay * p[i];
        }
    }
}

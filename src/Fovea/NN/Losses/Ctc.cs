// Connectionist Temporal Classification loss (Graves et al., 2006) for sequence recognition such as OCR.
// Forward: log-space alpha recursion over the blank-extended label sequence; backward: the beta recursion
// gives each frame's label posteriors, and dL/dlogp_t(k) = -sum_{s: l'_s = k} alpha_t(s) beta_t(s) / (p y_t(k)).
using Fovea.Autograd;

namespace Fovea.NN;

public static partial class Loss
{
    /// <summary>
    /// CTC loss like torch.nn.functional.ctc_loss. <paramref name="logProbs"/> (T, N, C) are log-probabilities
    /// (log_softmax over C); <paramref name="targets"/> (N, S) int64 padded labels (no blanks);
    /// Mean reduction divides each loss by its target length, then averages over the batch.
    /// </summary>
    public static Tensor Ctc(Tensor logProbs, Tensor targets, int[] inputLengths, int[] targetLengths, int blank = 0,
        Reduction reduction = Reduction.Mean, bool zeroInfinity = false)
    {
        if (logProbs.Rank != 3) throw new ArgumentException($"Ctc: logProbs must be (T, N, C), got shape {logProbs.Shape}.");
        int T = logProbs.Size(0), N = logProbs.Size(1), C = logProbs.Size(2);
        if (targets.Rank != 2 || targets.Size(0) != N) throw new ArgumentException($"Ctc: targets must be (N, S) with N = {N}, got shape {targets.Shape}.");
        if (inputLengths.Length != N || targetLengths.Length != N)
            throw new ArgumentException($"Ctc: expected {N} input and target lengths, got {inputLengths.Length} and {targetLengths.Length}.");
        if (blank < 0 || blank >= C) throw new ArgumentOutOfRangeException(nameof(blank), $"Ctc: blank index {blank} is outside the {C} classes.");
        int S = targets.Size(1);
        double[] lp;
        using (var lp64 = logProbs.Detach().To(DType.Float64)) lp = lp64.ToArray<double>();
        long[] tg;
        using (var t64 = targets.To(DType.Int64)) tg = t64.ToArray<long>();
        for (int n = 0; n < N; n++)
        {
            if (inputLengths[n] < 0 || inputLengths[n] > T) throw new ArgumentOutOfRangeException(nameof(inputLengths), $"Ctc: input length {inputLengths[n]} of sample {n} is outside 0..{T}.");
            if (targetLengths[n] < 0 || targetLengths[n] > S) throw new ArgumentOutOfRangeException(nameof(targetLengths), $"Ctc: target length {targetLengths[n]} of sample {n} is outside 0..{S}.");
            for (int s = 0; s < targetLengths[n]; s++)
            {
                long k = tg[n * S + s];
                if (k < 0 || k >= C || k == blank) throw new ArgumentOutOfRangeException(nameof(targets), $"Ctc: target {k} at sample {n}, position {s} must be a class in 0..{C - 1} other than the blank {blank}.");
            }
        }

        var nll = new double[N];
        var grad = new double[T * N * C]; // dL_n / dlogp, filled per sample
        Fovea.Runtime.Threading.WorkerPool.For(N, n => CtcSample(lp, tg, n, T, N, C, S, inputLengths[n], targetLengths[n], blank, zeroInfinity, nll, grad));

        double[] weights = new double[N];
        for (int n = 0; n < N; n++)
            weights[n] = reduction switch { Reduction.Mean => 1.0 / Math.Max(targetLengths[n], 1) / N, _ => 1.0 };
        var perSample = Tensor.FromArray(nll, N).To(logProbs.DType);
        Tensor result = reduction switch
        {
            Reduction.None => perSample,
            Reduction.Sum => perSample.Sum(),
            _ => Tensor.Scalar(nll.Select((v, n) => v * weights[n]).Sum(), logProbs.DType),
        };
        if (!Graph.Needs(logProbs)) return result;
        var gradT = Tensor.Wrap(grad, T, N, C).To(logProbs.DType);
        var w = Tensor.FromArray(weights, 1, N, 1).To(logProbs.DType);
        return Graph.Record(result, "CtcLoss", [logProbs], g =>
        {
            // g is () for Mean/Sum (weights carry the reduction) and (N) for None.
            var gn = reduction == Reduction.None ? g.Reshape(1, N, 1) : g * w;
            return [gradT * gn];
        });
    }

    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        double m = Math.Max(a, b);
        return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }

    private static void CtcSample(double[] lp, long[] tg, int n, int T, int N, int C, int S, int len, int tlen, int blank, bool zeroInfinity, double[] nll, double[] grad)
    {
        int L = 2 * tlen + 1;
        int Label(int s) => s % 2 == 0 ? blank : (int)tg[n * S + s / 2];
        double Lp(int t, int k) => lp[(t * N + n) * C + k];
        bool CanSkip(int s) => s >= 2 && Label(s) != blank && Label(s) != Label(s - 2);

        var alpha = new double[Math.Max(len, 1) * L];
        var beta = new double[Math.Max(len, 1) * L];
        Array.Fill(alpha, double.NegativeInfinity);
        Array.Fill(beta, double.NegativeInfinity);
        if (len == 0)
        {
            nll[n] = tlen == 0 ? 0 : zeroInfinity ? 0 : double.PositiveInfinity;
            return;
        }
        alpha[0] = Lp(0, blank);
        if (L > 1) alpha[1] = Lp(0, Label(1));
        for (int t = 1; t < len; t++)
            for (int s = 0; s < L; s++)
            {
                double a = alpha[(t - 1) * L + s];
                if (s >= 1) a = LogAdd(a, alpha[(t - 1) * L + s - 1]);
                if (CanSkip(s)) a = LogAdd(a, alpha[(t - 1) * L + s - 2]);
                alpha[t * L + s] = a + Lp(t, Label(s));
            }
        double logP = L > 1 ? LogAdd(alpha[(len - 1) * L + L - 1], alpha[(len - 1) * L + L - 2]) : alpha[(len - 1) * L];
        nll[n] = -logP;
        if (double.IsNegativeInfinity(logP))
        {
            if (zeroInfinity) nll[n] = 0;
            return; // gradient stays zero (torch gives inf/nan without zeroInfinity; zero is the useful choice)
        }

        beta[(len - 1) * L + L - 1] = Lp(len - 1, Label(L - 1));
        if (L > 1) beta[(len - 1) * L + L - 2] = Lp(len - 1, Label(L - 2));
        for (int t = len - 2; t >= 0; t--)
            for (int s = 0; s < L; s++)
            {
                double b = beta[(t + 1) * L + s];
                if (s + 1 < L) b = LogAdd(b, beta[(t + 1) * L + s + 1]);
                if (s + 2 < L && CanSkip(s + 2)) b = LogAdd(b, beta[(t + 1) * L + s + 2]);
                beta[t * L + s] = b + Lp(t, Label(s));
            }

        var lcab = new double[C];
        for (int t = 0; t < len; t++)
        {
            Array.Fill(lcab, double.NegativeInfinity);
            for (int s = 0; s < L; s++) lcab[Label(s)] = LogAdd(lcab[Label(s)], alpha[t * L + s] + beta[t * L + s]);
            for (int k = 0; k < C; k++)
                if (!double.IsNegativeInfinity(lcab[k]))
                    grad[(t * N + n) * C + k] = -Math.Exp(lcab[k] - Lp(t, k) - logP);
        }
    }
}

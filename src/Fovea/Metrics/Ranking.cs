// Threshold-free metrics from scores: ROC and precision-recall curves, ROC-AUC and average precision
// (binary, and one-vs-rest macro averages for multi-class), following scikit-learn.
namespace Fovea.Metrics;

public sealed record Curve(double[] X, double[] Y, double[] Thresholds);

public static class Ranking
{
    // Distinct score thresholds in decreasing order with cumulative true/false positives at each.
    private static (double[] Tps, double[] Fps, double[] Thresholds) Cumulative(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores)
    {
        if (yTrue.Length != scores.Length) throw new ArgumentException($"Ranking: {yTrue.Length} labels but {scores.Length} scores.");
        var order = Enumerable.Range(0, scores.Length).ToArray();
        var s = scores.ToArray();
        var y = yTrue.ToArray();
        Array.Sort(order, (a, b) => s[b].CompareTo(s[a]) is var c && c != 0 ? c : a.CompareTo(b));
        var tps = new List<double>(); var fps = new List<double>(); var th = new List<double>();
        double tp = 0, fp = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (y[order[i]]) tp++; else fp++;
            if (i == order.Length - 1 || s[order[i + 1]] != s[order[i]])
            {
                tps.Add(tp); fps.Add(fp); th.Add(s[order[i]]);
            }
        }
        return (tps.ToArray(), fps.ToArray(), th.ToArray());
    }

    /// <summary>ROC curve (X = false-positive rate, Y = true-positive rate), starting at (0, 0), all thresholds kept.</summary>
    public static Curve RocCurve(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores)
    {
        var (tps, fps, th) = Cumulative(yTrue, scores);
        double P = tps.Length > 0 ? tps[^1] : 0, N = fps.Length > 0 ? fps[^1] : 0;
        var fpr = new double[tps.Length + 1];
        var tpr = new double[tps.Length + 1];
        var thr = new double[tps.Length + 1];
        thr[0] = double.PositiveInfinity;
        for (int i = 0; i < tps.Length; i++)
        {
            fpr[i + 1] = N == 0 ? double.NaN : fps[i] / N;
            tpr[i + 1] = P == 0 ? double.NaN : tps[i] / P;
            thr[i + 1] = th[i];
        }
        return new Curve(fpr, tpr, thr);
    }

    /// <summary>Area under the ROC curve (trapezoids); ties in scores count half.</summary>
    public static double RocAuc(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores)
    {
        var c = RocCurve(yTrue, scores);
        double auc = 0;
        for (int i = 1; i < c.X.Length; i++) auc += (c.X[i] - c.X[i - 1]) * (c.Y[i] + c.Y[i - 1]) / 2;
        return auc;
    }

    /// <summary>
    /// Precision-recall curve (X = recall, Y = precision) over every distinct threshold in increasing order, ending
    /// at (0, 1), as scikit-learn >= 1.1 returns it.
    /// </summary>
    public static Curve PrecisionRecallCurve(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores)
    {
        var (tps, fps, th) = Cumulative(yTrue, scores);
        double P = tps[^1];
        int last = tps.Length - 1;
        var rec = new List<double>(); var prec = new List<double>(); var thr = new List<double>();
        for (int i = last; i >= 0; i--)
        {
            prec.Add(tps[i] / (tps[i] + fps[i]));
            rec.Add(P == 0 ? 0 : tps[i] / P);
            thr.Add(th[i]);
        }
        prec.Add(1);
        rec.Add(0);
        return new Curve(rec.ToArray(), prec.ToArray(), thr.ToArray());
    }

    /// <summary>Average precision: sum over thresholds of (R_n - R_(n-1)) P_n (no interpolation), as scikit-learn.</summary>
    public static double AveragePrecision(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores)
    {
        var c = PrecisionRecallCurve(yTrue, scores);
        double ap = 0;
        for (int i = 0; i < c.X.Length - 1; i++) ap += (c.X[i] - c.X[i + 1]) * c.Y[i];
        return ap;
    }

    /// <summary>One-vs-rest macro ROC-AUC for (N, C) class scores.</summary>
    public static double RocAucOvr(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores, int numClasses) =>
        OneVsRest(yTrue, scores, numClasses, (y, s) => RocAuc(y, s)).Average();

    /// <summary>One-vs-rest macro average precision (PR-AUC) for (N, C) class scores.</summary>
    public static double AveragePrecisionOvr(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores, int numClasses) =>
        OneVsRest(yTrue, scores, numClasses, (y, s) => AveragePrecision(y, s)).Average();

    private delegate double BinaryMetric(ReadOnlySpan<bool> y, ReadOnlySpan<float> s);

    private static double[] OneVsRest(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores, int numClasses, BinaryMetric metric)
    {
        if (yTrue.Length * numClasses != scores.Length) throw new ArgumentException($"OneVsRest: {yTrue.Length} labels need {yTrue.Length * numClasses} scores, got {scores.Length}.");
        var r = new double[numClasses];
        var y = new bool[yTrue.Length];
        var s = new float[yTrue.Length];
        for (int c = 0; c < numClasses; c++)
        {
            for (int i = 0; i < yTrue.Length; i++) { y[i] = yTrue[i] == c; s[i] = scores[i * numClasses + c]; }
            r[c] = metric(y, s);
        }
        return r;
    }
}

// Multi-label metrics over (N, L) indicator matrices and scores, following scikit-learn: subset accuracy,
// Hamming loss, per-label and mean average precision, label ranking average precision, coverage, ranking loss.
namespace Fovea.Metrics;

public static class MultiLabel
{
    private static void Check(string op, int n, int labels, int a, int b)
    {
        if (a != n * labels || b != n * labels) throw new ArgumentException($"{op}: expected {n} x {labels} values, got {a} and {b}.");
    }

    /// <summary>Fraction of samples whose whole label set is predicted exactly.</summary>
    public static double SubsetAccuracy(ReadOnlySpan<bool> yTrue, ReadOnlySpan<bool> yPred, int numLabels)
    {
        int n = yTrue.Length / numLabels, ok = 0;
        Check("SubsetAccuracy", n, numLabels, yTrue.Length, yPred.Length);
        for (int i = 0; i < n; i++) if (yTrue.Slice(i * numLabels, numLabels).SequenceEqual(yPred.Slice(i * numLabels, numLabels))) ok++;
        return n == 0 ? 0 : (double)ok / n;
    }

    /// <summary>Fraction of label slots predicted wrongly.</summary>
    public static double HammingLoss(ReadOnlySpan<bool> yTrue, ReadOnlySpan<bool> yPred)
    {
        if (yTrue.Length != yPred.Length) throw new ArgumentException($"HammingLoss: {yTrue.Length} labels but {yPred.Length} predictions.");
        int wrong = 0;
        for (int i = 0; i < yTrue.Length; i++) if (yTrue[i] != yPred[i]) wrong++;
        return yTrue.Length == 0 ? 0 : (double)wrong / yTrue.Length;
    }

    /// <summary>Average precision of each label (column).</summary>
    public static double[] AveragePrecisionPerLabel(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores, int numLabels)
    {
        int n = yTrue.Length / numLabels;
        Check("AveragePrecisionPerLabel", n, numLabels, yTrue.Length, scores.Length);
        var r = new double[numLabels];
        var y = new bool[n];
        var s = new float[n];
        for (int l = 0; l < numLabels; l++)
        {
            for (int i = 0; i < n; i++) { y[i] = yTrue[i * numLabels + l]; s[i] = scores[i * numLabels + l]; }
            r[l] = Ranking.AveragePrecision(y, s);
        }
        return r;
    }

    /// <summary>Mean of the per-label average precisions (mAP).</summary>
    public static double MeanAveragePrecision(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores, int numLabels) =>
        AveragePrecisionPerLabel(yTrue, scores, numLabels).Average();

    /// <summary>
    /// Label ranking average precision: for each sample and each of its true labels, the fraction of labels ranked
    /// at or above it that are true; averaged (samples without true labels score 1).
    /// </summary>
    public static double LabelRankingAveragePrecision(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores, int numLabels)
    {
        int n = yTrue.Length / numLabels;
        Check("LabelRankingAveragePrecision", n, numLabels, yTrue.Length, scores.Length);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var y = yTrue.Slice(i * numLabels, numLabels);
            var s = scores.Slice(i * numLabels, numLabels);
            int positives = 0;
            foreach (bool b in y) if (b) positives++;
            if (positives == 0 || positives == numLabels) { total += 1; continue; }
            double sum = 0;
            for (int j = 0; j < numLabels; j++)
            {
                if (!y[j]) continue;
                int rank = 0, truesAbove = 0;
                for (int k = 0; k < numLabels; k++)
                    if (s[k] >= s[j]) { rank++; if (y[k]) truesAbove++; }
                sum += (double)truesAbove / rank;
            }
            total += sum / positives;
        }
        return n == 0 ? 0 : total / n;
    }

    /// <summary>How far down the ranking one must go, on average, to cover all true labels.</summary>
    public static double CoverageError(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores, int numLabels)
    {
        int n = yTrue.Length / numLabels;
        Check("CoverageError", n, numLabels, yTrue.Length, scores.Length);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var y = yTrue.Slice(i * numLabels, numLabels);
            var s = scores.Slice(i * numLabels, numLabels);
            float min = float.PositiveInfinity;
            for (int j = 0; j < numLabels; j++) if (y[j]) min = Math.Min(min, s[j]);
            if (float.IsPositiveInfinity(min)) continue;
            int covered = 0;
            for (int j = 0; j < numLabels; j++) if (s[j] >= min) covered++;
            total += covered;
        }
        return n == 0 ? 0 : total / n;
    }

    /// <summary>Average fraction of (true, false) label pairs that are ordered wrongly (ties count as wrong).</summary>
    public static double RankingLoss(ReadOnlySpan<bool> yTrue, ReadOnlySpan<float> scores, int numLabels)
    {
        int n = yTrue.Length / numLabels;
        Check("RankingLoss", n, numLabels, yTrue.Length, scores.Length);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var y = yTrue.Slice(i * numLabels, numLabels);
            var s = scores.Slice(i * numLabels, numLabels);
            int pos = 0, bad = 0;
            for (int j = 0; j < numLabels; j++) if (y[j]) pos++;
            int neg = numLabels - pos;
            if (pos == 0 || neg == 0) continue;
            for (int j = 0; j < numLabels; j++)
                if (y[j])
                    for (int k = 0; k < numLabels; k++)
                        if (!y[k] && s[k] >= s[j]) bad++;
            total += (double)bad / (pos * neg);
        }
        return n == 0 ? 0 : total / n;
    }
}

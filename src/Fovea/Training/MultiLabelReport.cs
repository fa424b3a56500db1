// The metrics of a multi-label classifier on a labelled set: threshold-free ranking metrics (mAP, LRAP) from the scores,
// and set metrics (subset accuracy, Hamming loss, micro/macro F1) from the predictions at per-label thresholds.
using Fovea.Metrics;

namespace Fovea.Training;

/// <summary>Multi-label metrics of N samples over L labels; F1 follows scikit-learn (0 where a label is never true nor predicted).</summary>
public sealed record MultiLabelReport(double SubsetAccuracy, double HammingLoss, double MicroF1, double MacroF1, double MeanAveragePrecision,
    double LabelRankingAveragePrecision, double[] AveragePrecision, double[] F1, int[] Support)
{
    /// <summary>The metric names as run-folder columns ("val_" + name per epoch) and summary keys.</summary>
    public static IReadOnlyList<string> Names { get; } = ["map", "lrap", "subset_acc", "hamming", "micro_f1", "macro_f1"];

    /// <summary>
    /// Scores <paramref name="scores"/> (N x L probabilities, row-major) against <paramref name="truth"/>; a label is
    /// predicted when its score is at least its threshold.
    /// </summary>
    public static MultiLabelReport Compute(ReadOnlySpan<bool> truth, ReadOnlySpan<float> scores, IReadOnlyList<float> thresholds)
    {
        int l = thresholds.Count;
        if (l == 0 || truth.Length != scores.Length || truth.Length % l != 0)
            throw new ArgumentException($"MultiLabelReport: {truth.Length} labels and {scores.Length} scores do not form N x {l} matrices ({l} thresholds).");
        int n = truth.Length / l;
        var predicted = Predict(scores, thresholds);
        int[] tp = new int[l], fp = new int[l], fn = new int[l];
        for (int i = 0; i < n * l; i++)
        {
            if (predicted[i] && truth[i]) tp[i % l]++;
            else if (predicted[i]) fp[i % l]++;
            else if (truth[i]) fn[i % l]++;
        }
        static double F(int t, int p, int f) => t + p + f == 0 ? 0 : 2.0 * t / (2.0 * t + p + f);
        var f1 = Enumerable.Range(0, l).Select(j => F(tp[j], fp[j], fn[j])).ToArray();
        var ap = n == 0 ? new double[l] : MultiLabel.AveragePrecisionPerLabel(truth, scores, l);
        return new MultiLabelReport(
            MultiLabel.SubsetAccuracy(truth, predicted, l), MultiLabel.HammingLoss(truth, predicted),
            F(tp.Sum(), fp.Sum(), fn.Sum()), f1.Average(), MeanOfDefined(ap),
            MultiLabel.LabelRankingAveragePrecision(truth, scores, l), ap, f1, tp.Zip(fn, (a, b) => a + b).ToArray());
    }

    /// <summary>Which labels are predicted: score &gt;= the label's threshold.</summary>
    public static bool[] Predict(ReadOnlySpan<float> scores, IReadOnlyList<float> thresholds)
    {
        var p = new bool[scores.Length];
        for (int i = 0; i < p.Length; i++) p[i] = scores[i] >= thresholds[i % thresholds.Count];
        return p;
    }

    // mAP over the labels that have positives (average precision is undefined, NaN, for the others).
    private static double MeanOfDefined(double[] ap)
    {
        var defined = ap.Where(double.IsFinite).ToArray();
        return defined.Length == 0 ? double.NaN : defined.Average();
    }

    /// <summary>The summary metrics by <see cref="Names"/>.</summary>
    public Dictionary<string, double> ToDictionary() => new()
    {
        ["map"] = MeanAveragePrecision, ["lrap"] = LabelRankingAveragePrecision, ["subset_acc"] = SubsetAccuracy,
        ["hamming"] = HammingLoss, ["micro_f1"] = MicroF1, ["macro_f1"] = MacroF1,
    };
}

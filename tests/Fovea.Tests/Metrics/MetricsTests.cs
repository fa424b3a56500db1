// Metrics against scikit-learn's values on fixed inputs (tools/fixtures/gen_metrics.py).
using Fovea.Metrics;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Metrics;

public class MetricsTests
{
    private const int C = 5, L = 6;
    private static readonly Dictionary<string, Tensor> F = Fixture.Load("metrics/classification");
    private static readonly Dictionary<string, Tensor> ML = Fixture.Load("metrics/multilabel");

    private static int[] Ints(Tensor t) => t.ToArray<int>();
    private static double D(Dictionary<string, Tensor> f, string k) => f[k].ToDouble();
    private static void Close(double want, double got, string what) => Assert.True(Math.Abs(want - got) < 1e-9, $"{what}: {got}, scikit-learn {want}");

    [Fact]
    public void SingleLabelMetricsMatchScikitLearn()
    {
        int[] y = Ints(F["y"]), p = Ints(F["pred"]);
        float[] prob = F["prob"].ToArray<float>();
        Close(D(F, "accuracy"), Classification.Accuracy(y, p), "accuracy");
        Close(D(F, "top2"), Classification.TopKAccuracy(y, prob, C, 2), "top-2");
        Close(D(F, "balanced_accuracy"), Classification.BalancedAccuracy(y, p, C), "balanced accuracy");
        var cm = Classification.ConfusionMatrix(y, p, C);
        var want = Ints(F["confusion"]);
        for (int i = 0; i < C; i++) for (int j = 0; j < C; j++) Assert.Equal(want[i * C + j], cm[i, j]);
        foreach (var (avg, key) in new[] { (Average.Macro, "prf_macro"), (Average.Micro, "prf_micro"), (Average.Weighted, "prf_weighted") })
        {
            var w = F[key].ToArray<double>();
            var (pr, rc, f1) = Classification.PrecisionRecallF1(y, p, C, avg);
            Close(w[0], pr, $"{avg} precision");
            Close(w[1], rc, $"{avg} recall");
            Close(w[2], f1, $"{avg} F1");
        }
        var rep = Classification.PerClass(y, p, C);
        Fixture.AssertClose(F["per_f"], Tensor.FromArray(rep.F1), 1e-12, 0, "per-class F1");
        Assert.Equal(Ints(F["per_s"]), rep.Support);
        Close(D(F, "ece"), Classification.ExpectedCalibrationError(y, prob, C), "ECE");
    }

    [Fact]
    public void RankingMetricsMatchScikitLearn()
    {
        int[] y = Ints(F["y"]);
        float[] prob = F["prob"].ToArray<float>();
        // Float32 scores on both sides; tolerances 1e-9 since the arithmetic is on counts.
        Close(D(F, "roc_auc_ovr"), Ranking.RocAucOvr(y, prob, C), "ROC-AUC ovr");
        Close(D(F, "ap_ovr"), Ranking.AveragePrecisionOvr(y, prob, C), "AP ovr");
        var yb = y.Select(v => v == 0).ToArray();
        var s0 = Enumerable.Range(0, y.Length).Select(i => prob[i * C]).ToArray();
        Close(D(F, "roc_auc_bin"), Ranking.RocAuc(yb, s0), "binary ROC-AUC");
        Close(D(F, "ap_bin"), Ranking.AveragePrecision(yb, s0), "binary AP");
        var roc = Ranking.RocCurve(yb, s0);
        Fixture.AssertClose(F["roc_fpr"], Tensor.FromArray(roc.X), 1e-12, 0, "ROC fpr");
        Fixture.AssertClose(F["roc_tpr"], Tensor.FromArray(roc.Y), 1e-12, 0, "ROC tpr");
        var pr = Ranking.PrecisionRecallCurve(yb, s0);
        Fixture.AssertClose(F["pr_precision"], Tensor.FromArray(pr.Y), 1e-12, 0, "PR precision");
        Fixture.AssertClose(F["pr_recall"], Tensor.FromArray(pr.X), 1e-12, 0, "PR recall");
    }

    [Fact]
    public void MultiLabelMetricsMatchScikitLearn()
    {
        bool[] y = ML["y"].ToArray<bool>(), p = ML["pred"].ToArray<bool>();
        float[] s = ML["scores"].ToArray<float>();
        Close(D(ML, "subset_accuracy"), MultiLabel.SubsetAccuracy(y, p, L), "subset accuracy");
        Close(D(ML, "hamming"), MultiLabel.HammingLoss(y, p), "Hamming loss");
        Fixture.AssertClose(ML["ap_per_label"], Tensor.FromArray(MultiLabel.AveragePrecisionPerLabel(y, s, L)), 1e-12, 0, "AP per label");
        Close(D(ML, "map"), MultiLabel.MeanAveragePrecision(y, s, L), "mAP");
        Close(D(ML, "lrap"), MultiLabel.LabelRankingAveragePrecision(y, s, L), "LRAP");
        Close(D(ML, "coverage"), MultiLabel.CoverageError(y, s, L), "coverage");
        Close(D(ML, "ranking_loss"), MultiLabel.RankingLoss(y, s, L), "ranking loss");
    }

    [Fact]
    public void BadInputsAreNamed()
    {
        Assert.Contains("3 true labels but 2", Assert.Throws<ArgumentException>(() => Classification.Accuracy([1, 2, 3], [1, 2])).Message);
        Assert.Contains("outside 0..1", Assert.Throws<ArgumentOutOfRangeException>(() => Classification.ConfusionMatrix([0, 2], [0, 1], 2)).Message);
    }
}

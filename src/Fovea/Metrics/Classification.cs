// Classification metrics over label and score arrays, following scikit-learn's definitions (zero_division = 0):
// accuracy, top-k, confusion matrix, precision/recall/F1 with macro/micro/weighted averaging, balanced accuracy.
namespace Fovea.Metrics;

/// <summary>How per-class values are combined (scikit-learn's average argument).</summary>
public enum Average { Macro, Micro, Weighted }

/// <summary>Per-class precision, recall, F1 and support.</summary>
public sealed record ClassReport(double[] Precision, double[] Recall, double[] F1, int[] Support);

public static class Classification
{
    private static void SameLength(string op, int a, int b)
    {
        if (a != b) throw new ArgumentException($"{op}: {a} true labels but {b} predictions.");
    }

    /// <summary>Fraction of predictions equal to the true label.</summary>
    public static double Accuracy(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred)
    {
        SameLength("Accuracy", yTrue.Length, yPred.Length);
        int ok = 0;
        for (int i = 0; i < yTrue.Length; i++) if (yTrue[i] == yPred[i]) ok++;
        return yTrue.Length == 0 ? 0 : (double)ok / yTrue.Length;
    }

    /// <summary>Fraction of samples whose true label is among the k highest scores; scores are (N, C) row-major.</summary>
    public static double TopKAccuracy(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores, int numClasses, int k)
    {
        SameLength("TopKAccuracy", yTrue.Length * numClasses, scores.Length);
        int ok = 0;
        for (int i = 0; i < yTrue.Length; i++)
        {
            var row = scores.Slice(i * numClasses, numClasses);
            float own = row[yTrue[i]];
            int higher = 0;
            for (int c = 0; c < numClasses; c++) if (row[c] > own || (row[c] == own && c < yTrue[i])) higher++;
            if (higher < k) ok++;
        }
        return yTrue.Length == 0 ? 0 : (double)ok / yTrue.Length;
    }

    /// <summary>Counts [true, predicted] (rows: true class, columns: predicted class).</summary>
    public static int[,] ConfusionMatrix(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses)
    {
        SameLength("ConfusionMatrix", yTrue.Length, yPred.Length);
        var m = new int[numClasses, numClasses];
        for (int i = 0; i < yTrue.Length; i++)
        {
            if ((uint)yTrue[i] >= numClasses || (uint)yPred[i] >= numClasses)
                throw new ArgumentOutOfRangeException(nameof(yTrue), $"ConfusionMatrix: label {yTrue[i]} or prediction {yPred[i]} at index {i} is outside 0..{numClasses - 1}.");
            m[yTrue[i], yPred[i]]++;
        }
        return m;
    }

    /// <summary>Precision, recall, F1 and support of every class.</summary>
    public static ClassReport PerClass(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses)
    {
        var m = ConfusionMatrix(yTrue, yPred, numClasses);
        var p = new double[numClasses];
        var r = new double[numClasses];
        var f = new double[numClasses];
        var s = new int[numClasses];
        for (int c = 0; c < numClasses; c++)
        {
            int tp = m[c, c], predicted = 0, actual = 0;
            for (int j = 0; j < numClasses; j++) { predicted += m[j, c]; actual += m[c, j]; }
            p[c] = predicted == 0 ? 0 : (double)tp / predicted;
            r[c] = actual == 0 ? 0 : (double)tp / actual;
            f[c] = p[c] + r[c] == 0 ? 0 : 2 * p[c] * r[c] / (p[c] + r[c]);
            s[c] = actual;
        }
        return new ClassReport(p, r, f, s);
    }

    /// <summary>(precision, recall, F1) averaged over classes.</summary>
    public static (double Precision, double Recall, double F1) PrecisionRecallF1(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses, Average average)
    {
        if (average == Average.Micro)
        {
            // Single-label micro averaging: every misclassification is one FP and one FN, so all three equal accuracy.
            double acc = Accuracy(yTrue, yPred);
            return (acc, acc, acc);
        }
        var rep = PerClass(yTrue, yPred, numClasses);
        if (average == Average.Macro)
        {
            // scikit-learn averages over the labels present in yTrue or yPred.
            var predicted = new bool[numClasses];
            foreach (int p in yPred) predicted[p] = true;
            var present = Enumerable.Range(0, numClasses).Where(c => rep.Support[c] > 0 || predicted[c]).ToArray();
            return (present.Average(c => rep.Precision[c]), present.Average(c => rep.Recall[c]), present.Average(c => rep.F1[c]));
        }
        double total = rep.Support.Sum();
        double Weighted(double[] v) => total == 0 ? 0 : Enumerable.Range(0, numClasses).Sum(c => v[c] * rep.Support[c]) / total;
        return (Weighted(rep.Precision), Weighted(rep.Recall), Weighted(rep.F1));
    }

    /// <summary>Mean recall over the classes present in yTrue (robust to class imbalance).</summary>
    public static double BalancedAccuracy(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int numClasses)
    {
        var rep = PerClass(yTrue, yPred, numClasses);
        var present = Enumerable.Range(0, numClasses).Where(c => rep.Support[c] > 0).ToArray();
        return present.Length == 0 ? 0 : present.Average(c => rep.Recall[c]);
    }

    /// <summary>
    /// Expected calibration error: the confidence (max probability) range [0, 1] is cut into
    /// <paramref name="bins"/> equal bins; ECE = sum over bins of |accuracy - mean confidence| * fraction of samples.
    /// </summary>
    public static double ExpectedCalibrationError(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> probabilities, int numClasses, int bins = 15)
    {
        SameLength("ExpectedCalibrationError", yTrue.Length * numClasses, probabilities.Length);
        var count = new int[bins];
        var conf = new double[bins];
        var correct = new double[bins];
        for (int i = 0; i < yTrue.Length; i++)
        {
            var row = probabilities.Slice(i * numClasses, numClasses);
            int arg = 0;
            for (int c = 1; c < numClasses; c++) if (row[c] > row[arg]) arg = c;
            double p = row[arg];
            // Bins are (lo, hi]: confidence exactly 0 goes to the first bin.
            int b = Math.Clamp((int)Math.Ceiling(p * bins) - 1, 0, bins - 1);
            count[b]++;
            conf[b] += p;
            if (arg == yTrue[i]) correct[b]++;
        }
        double ece = 0;
        for (int b = 0; b < bins; b++)
            if (count[b] > 0) ece += Math.Abs(correct[b] / count[b] - conf[b] / count[b]) * count[b] / yTrue.Length;
        return ece;
    }
}

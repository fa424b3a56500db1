// Per-label decision thresholds of a multi-label classifier, tuned on validation scores: for each label the threshold
// that maximises that label's F1, saved as the run folder's thresholds.json and read back for eval and predict.
using System.Text.Json;

namespace Fovea.Training;

public static class MultiLabelThresholds
{
    /// <summary>The threshold of a label without positive validation examples (F1 is undefined there).</summary>
    public const float Default = 0.5f;

    /// <summary>
    /// For each label (column of the (N, L) row-major <paramref name="truth"/> and <paramref name="scores"/>), the threshold
    /// t maximising F1 of "score &gt;= t". Cuts fall midway between consecutive distinct scores (the lowest score when
    /// every example is predicted positive); of cuts with equal F1 the lowest threshold wins. Labels without positives get
    /// <see cref="Default"/>.
    /// </summary>
    public static float[] Tune(ReadOnlySpan<bool> truth, ReadOnlySpan<float> scores, int numLabels)
    {
        if (numLabels <= 0 || truth.Length != scores.Length || truth.Length % numLabels != 0)
            throw new ArgumentException($"MultiLabelThresholds.Tune: {truth.Length} labels and {scores.Length} scores do not form N x {numLabels} matrices.");
        int n = truth.Length / numLabels;
        var result = new float[numLabels];
        var column = new (float Score, bool Positive)[n];
        for (int l = 0; l < numLabels; l++)
        {
            for (int i = 0; i < n; i++) column[i] = (scores[i * numLabels + l], truth[i * numLabels + l]);
            result[l] = TuneOne(column);
        }
        return result;
    }

    // Sweeps the cuts from the highest score down; F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (TP + FP + P).
    private static float TuneOne((float Score, bool Positive)[] column)
    {
        int positives = column.Count(c => c.Positive);
        if (positives == 0) return Default;
        Array.Sort(column, (a, b) => b.Score.CompareTo(a.Score));
        int tp = 0, predicted = 0;
        double bestF1 = -1;
        float best = Default;
        for (int i = 0; i < column.Length;)
        {
            float s = column[i].Score;
            for (; i < column.Length && column[i].Score == s; i++)
            {
                predicted++;
                if (column[i].Positive) tp++;
            }
            double f1 = 2.0 * tp / (predicted + positives);
            if (f1 < bestF1) continue;
            bestF1 = f1;
            best = i < column.Length ? Midway(s, column[i].Score) : s;
        }
        return best;
    }

    // A threshold between two scores hi > lo that keeps hi and drops lo, as near the middle as float allows.
    private static float Midway(float hi, float lo)
    {
        float mid = (float)(((double)hi + lo) / 2);
        return mid > lo ? mid : hi;
    }

    /// <summary>Writes thresholds.json: {"labels": [...], "thresholds": [...], "by_label": {name: t}}.</summary>
    public static void Save(string path, IReadOnlyList<string> labels, IReadOnlyList<float> thresholds)
    {
        if (labels.Count != thresholds.Count) throw new ArgumentException($"MultiLabelThresholds.Save: {labels.Count} labels but {thresholds.Count} thresholds.");
        var doc = new Dictionary<string, object>
        {
            ["labels"] = labels,
            ["thresholds"] = thresholds,
            ["by_label"] = labels.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => thresholds[p.i]),
        };
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads thresholds.json, checking it names the same labels in the same order.</summary>
    public static float[] Load(string path, IReadOnlyList<string> labels)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var names = doc.RootElement.GetProperty("labels").EnumerateArray().Select(e => e.GetString()!).ToArray();
        if (!names.SequenceEqual(labels))
            throw new InvalidDataException($"{path}: its labels ({string.Join(", ", names)}) are not the model's ({string.Join(", ", labels)}).");
        return doc.RootElement.GetProperty("thresholds").EnumerateArray().Select(e => e.GetSingle()).ToArray();
    }
}

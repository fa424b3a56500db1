// Multi-label image data from manifests (CSV/JSON/JSON Lines with several labels per row, see ManifestDataset): images
// decoded once into memory like the folder dataset (RGB, resized, ImageNet normalisation), multi-hot float targets, and a
// validation split (a second manifest, or every fifth row held out) on which the decision thresholds are tuned.
using Fovea.Data;

namespace Fovea.Training;

/// <summary>Training and validation images with their (N, L) multi-hot targets.</summary>
public sealed record MultiLabelData(string Name, InMemoryImageDataset Train, InMemoryImageDataset Val, float[,] TrainTargets, float[,] ValTargets,
    IReadOnlyList<string> Classes, double[] Mean, double[] Std, bool Flip)
{
    public string Description =>
        $"{Name}: {Train.Count} training and {Val.Count} validation images of {Train.Channels}x{Train.Height}x{Train.Width}, {Classes.Count} labels (multi-label), from {Train.Source}";

    /// <summary>Whether <paramref name="path"/> is a manifest file (.csv, .tsv, .json, .jsonl, .ndjson).</summary>
    public static bool IsManifest(string path) => File.Exists(path) &&
        Path.GetExtension(path).ToLowerInvariant() is ".csv" or ".tsv" or ".json" or ".jsonl" or ".ndjson";

    /// <summary>Reads a manifest; CSV label cells hold several labels split by <paramref name="labelSeparator"/>.</summary>
    public static ManifestDataset ReadManifest(string manifest, char labelSeparator = ';', IReadOnlyList<string>? classes = null) =>
        new(manifest, options: new ManifestOptions { LabelSeparator = labelSeparator, Classes = classes });

    /// <summary>Which rows of a manifest without a separate validation manifest are held out: every fifth (rows 4, 9, ...).</summary>
    public static bool IsHeldOut(int row) => row % 5 == 4;

    /// <summary>
    /// Loads <paramref name="manifest"/> for training, validating on <paramref name="valManifest"/> (same label names) or
    /// on every fifth row; images are resized to <paramref name="imageSize"/> squared.
    /// </summary>
    public static MultiLabelData Load(string manifest, string? valManifest = null, int imageSize = 64, int? maxTrain = null, int? maxVal = null,
        char labelSeparator = ';')
    {
        var all = ReadManifest(manifest, labelSeparator);
        var trainRows = Enumerable.Range(0, all.Count).Where(i => valManifest != null || !IsHeldOut(i)).ToArray();
        var val = valManifest != null ? ReadManifest(valManifest, labelSeparator, all.Classes) : all;
        var valRows = Enumerable.Range(0, val.Count).Where(i => valManifest != null || IsHeldOut(i)).ToArray();
        if (maxTrain is { } n) trainRows = trainRows.Take(n).ToArray();
        if (maxVal is { } m) valRows = valRows.Take(m).ToArray();
        if (trainRows.Length == 0 || valRows.Length == 0)
            throw new InvalidDataException($"{manifest}: {trainRows.Length} training and {valRows.Length} validation rows; both splits need images (five rows or more, or --val-dataset).");
        var source = new DatasetSource(DatasetSourceKind.Explicit, manifest);
        return new MultiLabelData(Path.GetFileNameWithoutExtension(manifest),
            Decode(all, trainRows, DatasetSplit.Train, imageSize, source), Decode(val, valRows, DatasetSplit.Test, imageSize, source),
            Targets(all, trainRows), Targets(val, valRows), all.Classes, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], Flip: true);
    }

    /// <summary>
    /// The evaluation data of a multi-label model: every row of <paramref name="manifest"/>, or by default its run's
    /// validation data (the --val-dataset manifest, else the held-out rows of the training manifest). Labels must be the
    /// model's; images are resized to the model's input size.
    /// </summary>
    public static (InMemoryImageDataset Images, float[,] Targets) ForEvaluation(TrainedModel model, string? manifest = null)
    {
        if (!model.MultiLabel) throw new ArgumentException($"MultiLabelData.ForEvaluation: {model.Name} is not a multi-label model.");
        string? dataset = null, val = null;
        char separator = ';';
        if (model.Config.Length > 0)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(model.Config);
            var c = doc.RootElement;
            string? Str(string key) => c.TryGetProperty(key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
            (dataset, val, separator) = (Str("dataset"), Str("val_dataset"), Str("label_separator") is [char sep] ? sep : ';');
        }
        string file = manifest ?? val ?? dataset ?? throw new ArgumentException($"{model.Name}: the run names no dataset; give a manifest with --dataset.");
        if (!IsManifest(file)) throw new FileNotFoundException($"Multi-label evaluation needs a manifest file (.csv, .tsv, .json, .jsonl); '{file}' is not one.", file);
        var m = ReadManifest(file, separator, model.Classes);
        var rows = Enumerable.Range(0, m.Count).Where(i => manifest != null || val != null || IsHeldOut(i)).ToArray();
        var source = new DatasetSource(DatasetSourceKind.Explicit, file);
        return (Decode(m, rows, DatasetSplit.Test, model.Height, source), Targets(m, rows));
    }

    private static ImageArrayDataset Decode(ManifestDataset m, int[] rows, DatasetSplit split, int imageSize, DatasetSource source) =>
        ClassificationDatasets.DecodeRgb(rows.Select(r => m.Entries[r].Path).ToList(), rows.Select(r => m.Labels(r).FirstOrDefault()).ToArray(),
            m.Classes, split, imageSize, source);

    private static float[,] Targets(ManifestDataset m, int[] rows)
    {
        var t = new float[rows.Length, m.Classes.Count];
        for (int i = 0; i < rows.Length; i++)
            foreach (int l in m.Labels(rows[i])) t[i, l] = 1;
        return t;
    }

    /// <summary>BCE positive weights from the training labels: negatives / positives per label (1 for a label never or always present).</summary>
    public double[] PositiveWeights()
    {
        int n = TrainTargets.GetLength(0), l = TrainTargets.GetLength(1);
        var w = new double[l];
        for (int j = 0; j < l; j++)
        {
            int pos = 0;
            for (int i = 0; i < n; i++) if (TrainTargets[i, j] > 0.5f) pos++;
            w[j] = pos == 0 || pos == n ? 1 : (double)(n - pos) / pos;
        }
        return w;
    }

    /// <summary>Flattens (N, L) targets to row-major booleans (what the metrics take).</summary>
    public static bool[] Truth(float[,] targets)
    {
        var b = new bool[targets.Length];
        int l = targets.GetLength(1);
        for (int i = 0; i < b.Length; i++) b[i] = targets[i / l, i % l] > 0.5f;
        return b;
    }
}

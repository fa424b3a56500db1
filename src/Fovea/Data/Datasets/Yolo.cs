// YOLO (Darknet / Ultralytics) labels: one text file per image, a line per object "class cx cy w h" with the
// box centre and size as fractions of the image size; a line with more numbers is a segmentation polygon
// "class x1 y1 x2 y2 ..." (fractions too), whose bounding box is used. Files sit in a labels/ tree mirroring images/.
using System.Globalization;

namespace Fovea.Data;

/// <summary>Reads YOLO label files into absolute-pixel detection targets.</summary>
public static class YoloLabels
{
    /// <summary>Reads a label file for an image of <paramref name="imageWidth"/>×<paramref name="imageHeight"/>; a missing file means no objects.</summary>
    public static DetectionTarget Load(string path, int imageWidth, int imageHeight, int? numClasses = null) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), imageWidth, imageHeight, path, numClasses)
            : DetectionTarget.Create([], []) with { Width = imageWidth, Height = imageHeight };

    /// <summary>
    /// Parses label text: boxes become x1, y1, x2, y2 in pixels (cx·W ∓ w·W/2, cy·H ∓ h·H/2). Errors name
    /// <paramref name="source"/> and the line.
    /// </summary>
    public static DetectionTarget Parse(string text, int imageWidth, int imageHeight, string source = "YOLO", int? numClasses = null)
    {
        var boxes = new List<float>();
        var labels = new List<long>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var parts = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            string where = $"{source}: line {i + 1}";
            if (!int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int cls) || cls < 0)
                throw new InvalidDataException($"{where}: class '{parts[0]}' is not a non-negative integer.");
            if (numClasses is int nc && cls >= nc) throw new InvalidDataException($"{where}: class {cls} is not below the {nc} classes.");
            var v = new double[parts.Length - 1];
            for (int j = 0; j < v.Length; j++)
                if (!double.TryParse(parts[j + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out v[j]) || !double.IsFinite(v[j]))
                    throw new InvalidDataException($"{where}: value {j + 1} '{parts[j + 1]}' is not a number.");
            double x1, y1, x2, y2;
            if (v.Length == 4)
            {
                (x1, x2) = (v[0] - v[2] / 2, v[0] + v[2] / 2);
                (y1, y2) = (v[1] - v[3] / 2, v[1] + v[3] / 2);
            }
            else if (v.Length >= 6 && v.Length % 2 == 0)
            {
                var xs = v.Where((_, j) => j % 2 == 0).ToArray();
                var ys = v.Where((_, j) => j % 2 == 1).ToArray();
                (x1, x2, y1, y2) = (xs.Min(), xs.Max(), ys.Min(), ys.Max());
            }
            else throw new InvalidDataException($"{where}: {v.Length} numbers after the class; expected 4 (cx cy w h) or an even count of at least 6 (a polygon).");
            boxes.AddRange([(float)(x1 * imageWidth), (float)(y1 * imageHeight), (float)(x2 * imageWidth), (float)(y2 * imageHeight)]);
            labels.Add(cls);
        }
        return DetectionTarget.Create(boxes, labels) with { Width = imageWidth, Height = imageHeight };
    }
}

/// <summary>A YOLO-format detection dataset: images under an images folder, labels in the mirroring labels folder.</summary>
public sealed class YoloDataset : IDataset<DetectionSample>
{
    private readonly Func<string, Tensor>? _loader;

    /// <summary>
    /// Lists the images under <paramref name="imagesDir"/> (recursively, sorted). Labels are read from
    /// <paramref name="labelsDir"/>, by default the folder with the last "images" path segment replaced by "labels"
    /// (or the images folder itself when it has none), at the image's relative path with a .txt extension.
    /// </summary>
    public YoloDataset(string imagesDir, Func<string, Tensor>? loader = null, IReadOnlyList<string>? classes = null,
        string? labelsDir = null, IEnumerable<string>? extensions = null)
    {
        if (!Directory.Exists(imagesDir)) throw new DirectoryNotFoundException($"YoloDataset: images folder not found: {imagesDir}");
        ImagesDir = Path.GetFullPath(imagesDir);
        LabelsDir = labelsDir != null ? Path.GetFullPath(labelsDir) : DefaultLabelsDir(ImagesDir);
        Classes = classes;
        _loader = loader;
        var exts = (extensions ?? ImageFolder.ImageExtensions).Select(e => e.StartsWith('.') ? e : "." + e).ToArray();
        ImagePaths = ImageFolder.ListFiles(ImagesDir, exts);
    }

    public string ImagesDir { get; }
    public string LabelsDir { get; }

    /// <summary>Class names, indexed by label, when given.</summary>
    public IReadOnlyList<string>? Classes { get; }

    /// <summary>Every image, in dataset order.</summary>
    public IReadOnlyList<string> ImagePaths { get; }

    public int Count => ImagePaths.Count;

    /// <summary>The label file of item <paramref name="index"/> (it may not exist: no objects).</summary>
    public string LabelPath(int index) =>
        Path.ChangeExtension(Path.Combine(LabelsDir, Path.GetRelativePath(ImagesDir, ImagePaths[index])), ".txt");

    /// <summary>The target of item <paramref name="index"/> for an image of the given size.</summary>
    public DetectionTarget Target(int index, int imageWidth, int imageHeight) =>
        YoloLabels.Load(LabelPath(index), imageWidth, imageHeight, Classes?.Count) with { ImageId = index };

    /// <summary>Image <paramref name="index"/> (via the loader; its last two dimensions are taken as H, W) and its target.</summary>
    public DetectionSample Get(int index)
    {
        var loader = _loader ?? throw new InvalidOperationException("YoloDataset.Get: no loader was given; pass a Func<string, Tensor> to decode images, or use Target.");
        var image = loader(ImagePaths[index]);
        return new DetectionSample(image, Target(index, image.Size(-1), image.Size(-2)));
    }

    private static string DefaultLabelsDir(string imagesDir)
    {
        var parts = imagesDir.Split(Path.DirectorySeparatorChar);
        int i = Array.LastIndexOf(parts, "images");
        if (i < 0) return imagesDir;
        parts[i] = "labels";
        return string.Join(Path.DirectorySeparatorChar, parts);
    }
}

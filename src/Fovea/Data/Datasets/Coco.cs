// COCO-format detection / instance segmentation / keypoint annotations (instances_*.json, person_keypoints_*.json):
// "images" (id, file_name, width, height), "categories" (id, name, keypoints) and "annotations" (image_id,
// category_id, bbox [x, y, w, h], area, iscrowd, segmentation as polygons or RLE, keypoints [x, y, v]*K).
// Images are ordered by id, as torchvision's CocoDetection does. Labels are contiguous indices 0..C-1 of the
// categories sorted by id (Categories[label].Id gives the COCO id back); boxes become x1, y1, x2, y2.
using System.Text.Json;

namespace Fovea.Data;

/// <summary>A COCO image entry.</summary>
public sealed record CocoImage(long Id, string FileName, int Width, int Height);

/// <summary>A COCO category; <see cref="Keypoints"/> names its keypoints (empty when it has none).</summary>
public sealed record CocoCategory(long Id, string Name, string? Supercategory, IReadOnlyList<string> Keypoints);

/// <summary>
/// A COCO annotation. <see cref="Box"/> is x, y, w, h as in the file. The segmentation is polygons, an
/// uncompressed RLE (counts) or a compressed RLE (string), with <see cref="RleSize"/> = (height, width) for RLEs.
/// </summary>
public sealed record CocoAnnotation(long Id, long ImageId, long CategoryId, float[] Box, float Area, bool IsCrowd,
    IReadOnlyList<double[]>? Polygons, IReadOnlyList<long>? RleCounts, string? RleString, (int Height, int Width)? RleSize, float[]? Keypoints)
{
    /// <summary>Whether the annotation has any segmentation.</summary>
    public bool HasSegmentation => Polygons is { Count: > 0 } || RleCounts != null || RleString != null;

    /// <summary>The segmentation as a row-major height×width mask (1 inside); zeros when there is none.</summary>
    public byte[] DecodeMask(int height, int width, string source = "COCO")
    {
        string where = $"{source}: annotation {Id}";
        if (RleSize is { } size && (size.Height != height || size.Width != width))
            throw new InvalidDataException($"{where}: RLE size {size.Height}x{size.Width} differs from the image's {height}x{width}.");
        if (RleString != null) return CocoMask.DecodeCompressed(RleString, height, width, where);
        if (RleCounts != null) return CocoMask.DecodeRle(RleCounts, height, width, where);
        if (Polygons != null) return CocoMask.FromPolygons(Polygons, height, width);
        return new byte[height * width];
    }
}

/// <summary>A COCO-format detection dataset: one <see cref="DetectionSample"/> per image.</summary>
public sealed class CocoDataset : IDataset<DetectionSample>
{
    private readonly Func<string, Tensor>? _loader;
    private readonly Dictionary<long, List<CocoAnnotation>> _byImage;
    private readonly Dictionary<long, int> _labelOf;

    /// <summary>
    /// Reads <paramref name="annotationFile"/>; images are <paramref name="imageRoot"/>/file_name, decoded by
    /// <paramref name="loader"/> for <see cref="Get"/>. <paramref name="masks"/> controls whether targets carry decoded
    /// masks (N, H, W); crowd annotations are kept (flagged in IsCrowd) unless <paramref name="skipCrowd"/>.
    /// </summary>
    public CocoDataset(string annotationFile, string imageRoot, Func<string, Tensor>? loader = null, bool masks = true, bool skipCrowd = false)
    {
        AnnotationFile = annotationFile;
        ImageRoot = imageRoot;
        _loader = loader;
        WithMasks = masks;
        SkipCrowd = skipCrowd;
        if (!File.Exists(annotationFile)) throw new FileNotFoundException($"CocoDataset: annotation file not found: {annotationFile}", annotationFile);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(annotationFile)); }
        catch (JsonException e) { throw new InvalidDataException($"{annotationFile}: invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine}: {e.Message}", e); }
        using (doc)
        {
            var root = doc.RootElement;
            Images = Elements(root, "images").Select((e, i) => ParseImage(e, $"images[{i}]")).OrderBy(im => im.Id).ToArray();
            Categories = Elements(root, "categories").Select((e, i) => ParseCategory(e, $"categories[{i}]")).OrderBy(c => c.Id).ToArray();
            var annotations = root.TryGetProperty("annotations", out _) ? Elements(root, "annotations").Select((e, i) => ParseAnnotation(e, $"annotations[{i}]")).ToArray() : [];
            Annotations = annotations;
        }
        RequireUnique(Images.Select(i => i.Id), "image");
        RequireUnique(Categories.Select(c => c.Id), "category");
        _labelOf = Categories.Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var imageIds = Images.Select(i => i.Id).ToHashSet();
        _byImage = Images.ToDictionary(i => i.Id, _ => new List<CocoAnnotation>());
        foreach (var an in Annotations)
        {
            if (!imageIds.Contains(an.ImageId)) throw new InvalidDataException($"{annotationFile}: annotation {an.Id} refers to image {an.ImageId}, which is not listed.");
            if (!_labelOf.ContainsKey(an.CategoryId)) throw new InvalidDataException($"{annotationFile}: annotation {an.Id} refers to category {an.CategoryId}, which is not listed.");
            _byImage[an.ImageId].Add(an);
        }
    }

    public string AnnotationFile { get; }
    public string ImageRoot { get; }
    public bool WithMasks { get; }
    public bool SkipCrowd { get; }

    /// <summary>The images, sorted by id; dataset index i is Images[i].</summary>
    public IReadOnlyList<CocoImage> Images { get; }

    /// <summary>The categories sorted by id; label i is Categories[i].</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }

    /// <summary>Every annotation, in file order.</summary>
    public IReadOnlyList<CocoAnnotation> Annotations { get; }

    /// <summary>Category names, indexed by label.</summary>
    public IReadOnlyList<string> Classes => Categories.Select(c => c.Name).ToArray();

    public int Count => Images.Count;

    /// <summary>The file of image <paramref name="index"/>.</summary>
    public string ImagePath(int index) => Path.Combine(ImageRoot, Images[index].FileName);

    /// <summary>The annotations of image <paramref name="index"/> (crowd ones included), in file order.</summary>
    public IReadOnlyList<CocoAnnotation> AnnotationsOf(int index) => _byImage[Images[index].Id];

    /// <summary>The label (contiguous index) of a COCO category id.</summary>
    public int LabelOf(long categoryId) => _labelOf[categoryId];

    /// <summary>Image <paramref name="index"/> (via the loader) and its target.</summary>
    public DetectionSample Get(int index)
    {
        var loader = _loader ?? throw new InvalidOperationException("CocoDataset.Get: no loader was given; pass a Func<string, Tensor> to decode images, or use Target.");
        return new DetectionSample(loader(ImagePath(index)), Target(index));
    }

    /// <summary>The target of image <paramref name="index"/>, without decoding the image.</summary>
    public DetectionTarget Target(int index)
    {
        var image = Images[index];
        var anns = _byImage[image.Id].Where(a => !(SkipCrowd && a.IsCrowd)).ToList();
        int n = anns.Count, h = image.Height, w = image.Width;
        var boxes = new float[n * 4];
        for (int i = 0; i < n; i++)
        {
            var b = anns[i].Box;
            boxes[4 * i] = b[0];
            boxes[4 * i + 1] = b[1];
            boxes[4 * i + 2] = b[0] + b[2];
            boxes[4 * i + 3] = b[1] + b[3];
        }
        Tensor? masks = null;
        if (WithMasks && anns.Any(a => a.HasSegmentation))
        {
            var data = new byte[(long)n * h * w];
            for (int i = 0; i < n; i++) anns[i].DecodeMask(h, w, AnnotationFile).CopyTo(data, (long)i * h * w);
            masks = Tensor.FromArray(data, n, h, w);
        }
        Tensor? keypoints = null;
        int k = anns.Select(a => (a.Keypoints?.Length ?? 0) / 3).DefaultIfEmpty(0).Max();
        if (k > 0)
        {
            var kp = new float[n * k * 3];
            for (int i = 0; i < n; i++) anns[i].Keypoints?.CopyTo(kp, i * k * 3);
            keypoints = Tensor.FromArray(kp, n, k, 3);
        }
        return new DetectionTarget(Tensor.FromArray(boxes, n, 4), Tensor.FromArray(anns.Select(a => (long)_labelOf[a.CategoryId]).ToArray(), n),
            masks, keypoints, IsCrowd: Tensor.FromArray(anns.Select(a => a.IsCrowd).ToArray(), n),
            Area: Tensor.FromArray(anns.Select(a => a.Area).ToArray(), n))
        { ImageId = image.Id, Width = w, Height = h };
    }

    // ---------------------------------------------------------------- parsing

    private void RequireUnique(IEnumerable<long> ids, string what)
    {
        var seen = new HashSet<long>();
        foreach (long id in ids)
            if (!seen.Add(id)) throw new InvalidDataException($"{AnnotationFile}: {what} id {id} is listed twice.");
    }

    private IEnumerable<JsonElement> Elements(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var a) || a.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{AnnotationFile}: no \"{key}\" array at the top level.");
        return a.EnumerateArray().ToArray();
    }

    private CocoImage ParseImage(JsonElement e, string where) =>
        new(Long(e, "id", where), Str(e, "file_name", where), (int)Long(e, "width", where), (int)Long(e, "height", where));

    private CocoCategory ParseCategory(JsonElement e, string where) =>
        new(Long(e, "id", where), Str(e, "name", where),
            e.TryGetProperty("supercategory", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null,
            e.TryGetProperty("keypoints", out var k) && k.ValueKind == JsonValueKind.Array ? k.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : []);

    private CocoAnnotation ParseAnnotation(JsonElement e, string where)
    {
        long id = e.TryGetProperty("id", out var idEl) && idEl.TryGetInt64(out long v) ? v : -1;
        where = $"{where} (id {id})";
        var box = Floats(e, "bbox", where);
        if (box.Length != 4) throw new InvalidDataException($"{AnnotationFile}: {where}: bbox has {box.Length} numbers, expected x, y, w, h.");
        bool crowd = e.TryGetProperty("iscrowd", out var c) && (c.ValueKind == JsonValueKind.True || c.ValueKind == JsonValueKind.Number && c.GetInt32() != 0);
        float area = e.TryGetProperty("area", out var ar) && ar.ValueKind == JsonValueKind.Number ? ar.GetSingle() : box[2] * box[3];
        float[]? keypoints = e.TryGetProperty("keypoints", out var kp) && kp.ValueKind == JsonValueKind.Array ? Floats(e, "keypoints", where) : null;
        if (keypoints != null && keypoints.Length % 3 != 0)
            throw new InvalidDataException($"{AnnotationFile}: {where}: {keypoints.Length} keypoint numbers, expected x, y, v triples.");

        IReadOnlyList<double[]>? polygons = null;
        IReadOnlyList<long>? counts = null;
        string? rle = null;
        (int, int)? size = null;
        if (e.TryGetProperty("segmentation", out var seg))
        {
            if (seg.ValueKind == JsonValueKind.Array)
                polygons = seg.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.Array ? p.EnumerateArray().Select(x => x.GetDouble()).ToArray()
                    : throw new InvalidDataException($"{AnnotationFile}: {where}: a polygon must be an array of numbers.")).ToArray();
            else if (seg.ValueKind == JsonValueKind.Object)
            {
                var sz = Floats(seg, "size", where);
                if (sz.Length != 2) throw new InvalidDataException($"{AnnotationFile}: {where}: RLE size has {sz.Length} numbers, expected height, width.");
                size = ((int)sz[0], (int)sz[1]);
                if (!seg.TryGetProperty("counts", out var cnt)) throw new InvalidDataException($"{AnnotationFile}: {where}: RLE without counts.");
                if (cnt.ValueKind == JsonValueKind.String) rle = cnt.GetString();
                else if (cnt.ValueKind == JsonValueKind.Array) counts = cnt.EnumerateArray().Select(x => x.GetInt64()).ToArray();
                else throw new InvalidDataException($"{AnnotationFile}: {where}: RLE counts must be a string or an array.");
            }
        }
        return new CocoAnnotation(id, Long(e, "image_id", where), Long(e, "category_id", where), box, area, crowd, polygons, counts, rle, size, keypoints);
    }

    private long Long(JsonElement e, string key, string where) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long x) ? x
            : throw new InvalidDataException($"{AnnotationFile}: {where}: missing or non-integer \"{key}\".");

    private string Str(JsonElement e, string key, string where) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new InvalidDataException($"{AnnotationFile}: {where}: missing or non-string \"{key}\".");

    private float[] Floats(JsonElement e, string key, string where) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number)
            ? v.EnumerateArray().Select(x => x.GetSingle()).ToArray()
            : throw new InvalidDataException($"{AnnotationFile}: {where}: missing or non-numeric \"{key}\" array.");
}

// Pascal VOC detection: VOCdevkit/VOC20xx/{Annotations/<id>.xml, JPEGImages/<id>.jpg, ImageSets/Main/<split>.txt}.
// Each XML names the image size and its objects: class name, pose, truncated, difficult and the box
// (xmin, ymin, xmax, ymax, 1-based pixel coordinates, kept as written, as torchvision does).
using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Fovea.Data;

/// <summary>One object of a VOC annotation; <see cref="Box"/> is xmin, ymin, xmax, ymax as written.</summary>
public sealed record VocObject(string Name, float[] Box, bool Difficult, bool Truncated, string? Pose);

/// <summary>A parsed VOC annotation file.</summary>
public sealed record VocAnnotation(string FileName, int Width, int Height, int Depth, IReadOnlyList<VocObject> Objects)
{
    /// <summary>Parses a VOC XML file; errors name the file and the element.</summary>
    public static VocAnnotation Load(string path)
    {
        XDocument doc;
        try { doc = XDocument.Load(path, LoadOptions.SetLineInfo); }
        catch (XmlException e) { throw new InvalidDataException($"{path}: invalid XML at line {e.LineNumber}, column {e.LinePosition}: {e.Message}", e); }
        var root = doc.Root is { Name.LocalName: "annotation" } r ? r : throw new InvalidDataException($"{path}: the root element is not <annotation>.");
        var size = root.Element("size");
        var objects = root.Elements("object").Select(o =>
        {
            var box = o.Element("bndbox") ?? throw Error(path, o, "<object> without <bndbox>");
            return new VocObject(Text(path, o, "name"),
                [Number(path, box, "xmin"), Number(path, box, "ymin"), Number(path, box, "xmax"), Number(path, box, "ymax")],
                Flag(path, o, "difficult"), Flag(path, o, "truncated"), o.Element("pose")?.Value.Trim());
        }).ToArray();
        return new VocAnnotation(root.Element("filename")?.Value.Trim() ?? "",
            size is null ? 0 : (int)Number(path, size, "width"), size is null ? 0 : (int)Number(path, size, "height"),
            size?.Element("depth") is null ? 0 : (int)Number(path, size, "depth"), objects);
    }

    /// <summary>The objects as a detection target, labels from <paramref name="classes"/> (all objects, or none marked difficult).</summary>
    public DetectionTarget ToTarget(IReadOnlyList<string> classes, bool keepDifficult = true, string source = "VOC")
    {
        var objs = Objects.Where(o => keepDifficult || !o.Difficult).ToList();
        var labels = objs.Select(o =>
        {
            int i = classes.ToList().IndexOf(o.Name);
            return i >= 0 ? (long)i : throw new InvalidDataException($"{source}: object class '{o.Name}' is not one of the {classes.Count} classes.");
        }).ToArray();
        return DetectionTarget.Create(objs.SelectMany(o => o.Box).ToArray(), labels,
            difficult: objs.Select(o => o.Difficult).ToArray(), truncated: objs.Select(o => o.Truncated).ToArray()) with { Width = Width, Height = Height };
    }

    private static InvalidDataException Error(string path, XElement at, string what) =>
        new($"{path}: line {((IXmlLineInfo)at).LineNumber}: {what}.");

    private static string Text(string path, XElement parent, string name) =>
        parent.Element(name)?.Value.Trim() ?? throw Error(path, parent, $"<{parent.Name.LocalName}> without <{name}>");

    private static float Number(string path, XElement parent, string name)
    {
        string s = Text(path, parent, name);
        return float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v
            : throw Error(path, parent.Element(name)!, $"<{name}> holds '{s}', not a number");
    }

    private static bool Flag(string path, XElement parent, string name)
    {
        if (parent.Element(name) is not { } e) return false;
        return e.Value.Trim() switch
        {
            "1" or "true" => true,
            "0" or "false" or "" => false,
            var v => throw Error(path, e, $"<{name}> holds '{v}', expected 0 or 1"),
        };
    }
}

/// <summary>A Pascal VOC detection split: VOC20xx/ImageSets/Main/&lt;split&gt;.txt, Annotations/, JPEGImages/.</summary>
public sealed class VocDetection : IDataset<DetectionSample>
{
    private readonly Func<string, Tensor>? _loader;

    /// <summary>The 20 VOC classes, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    /// <summary>
    /// Lists split <paramref name="split"/> ("train", "val", "trainval", "test") of the VOC folder <paramref name="root"/>
    /// (the one holding Annotations/). <paramref name="classes"/> defaults to the 20 VOC classes.
    /// </summary>
    public VocDetection(string root, string split = "trainval", Func<string, Tensor>? loader = null, IReadOnlyList<string>? classes = null, bool keepDifficult = true)
    {
        Root = root;
        _loader = loader;
        Classes = classes ?? ClassNames;
        KeepDifficult = keepDifficult;
        string list = Path.Combine(root, "ImageSets", "Main", split + ".txt");
        if (!File.Exists(list)) throw new FileNotFoundException($"VocDetection: split list not found: {list}", list);
        Ids = File.ReadAllLines(list).Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => l.Split(' ', '\t')[0]).ToArray();
    }

    public string Root { get; }
    public IReadOnlyList<string> Classes { get; }
    public bool KeepDifficult { get; }

    /// <summary>The image ids of the split, in list order.</summary>
    public IReadOnlyList<string> Ids { get; }

    public int Count => Ids.Count;

    /// <summary>The annotation file of item <paramref name="index"/>.</summary>
    public string AnnotationPath(int index) => Path.Combine(Root, "Annotations", Ids[index] + ".xml");

    /// <summary>The image file of item <paramref name="index"/>.</summary>
    public string ImagePath(int index) => Path.Combine(Root, "JPEGImages", Ids[index] + ".jpg");

    /// <summary>The target of item <paramref name="index"/>, without decoding the image.</summary>
    public DetectionTarget Target(int index)
    {
        string path = AnnotationPath(index);
        return VocAnnotation.Load(path).ToTarget(Classes, KeepDifficult, path) with { ImageId = index };
    }

    /// <summary>Image <paramref name="index"/> (via the loader) and its target.</summary>
    public DetectionSample Get(int index)
    {
        var loader = _loader ?? throw new InvalidOperationException("VocDetection.Get: no loader was given; pass a Func<string, Tensor> to decode images, or use Target.");
        return new DetectionSample(loader(ImagePath(index)), Target(index));
    }
}

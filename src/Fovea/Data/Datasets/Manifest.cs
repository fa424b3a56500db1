// Datasets listed in a manifest file: CSV (a header row naming a path column and a label column; several
// labels per cell split by a separator), JSON (an array of objects with "path" and "label"/"labels", a label
// being a string, a number or an array of them) or JSON Lines (one such object per line). Relative paths are
// taken from the manifest's folder. Labels map to indices by the given class list; otherwise labels that are all
// non-negative integers are used as they are, and names are sorted (ordinal) and numbered.
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Fovea.Data;

/// <summary>One manifest row: the file and its label names (one for single-label data).</summary>
public sealed record ManifestEntry(string Path, IReadOnlyList<string> Labels);

/// <summary>How to read a manifest.</summary>
public sealed record ManifestOptions
{
    /// <summary>The CSV column / JSON key holding the file path.</summary>
    public string PathKey { get; init; } = "path";

    /// <summary>The CSV column / JSON key holding the label(s); "labels" is also accepted when "label" is absent.</summary>
    public string LabelKey { get; init; } = "label";

    /// <summary>Splits one CSV label cell (or JSON string) into several labels (e.g. ';' or '|'); null for one label per row.</summary>
    public char? LabelSeparator { get; init; }

    /// <summary>The CSV field delimiter.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>The class names in label order; labels outside it are an error. Null to derive them from the data.</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>The folder relative paths start from; null for the manifest's folder.</summary>
    public string? Root { get; init; }
}

/// <summary>A (multi-)label image dataset listed in a CSV, JSON or JSON Lines manifest.</summary>
public sealed class ManifestDataset : IDataset<MultiLabelSample>
{
    private readonly Func<string, Tensor>? _loader;
    private readonly int[][] _labels;

    /// <summary>Reads <paramref name="manifest"/> (format by extension: .csv/.tsv, .json, .jsonl); <paramref name="loader"/> decodes images for <see cref="Get"/>.</summary>
    public ManifestDataset(string manifest, Func<string, Tensor>? loader = null, ManifestOptions? options = null)
    {
        options ??= new ManifestOptions();
        if (!File.Exists(manifest)) throw new FileNotFoundException($"ManifestDataset: manifest not found: {manifest}", manifest);
        string ext = Path.GetExtension(manifest).ToLowerInvariant();
        var rows = ext switch
        {
            ".json" => ReadJson(manifest, options),
            ".jsonl" or ".ndjson" => ReadJsonLines(manifest, options),
            ".tsv" => ReadCsv(manifest, options with { Delimiter = '\t' }),
            _ => ReadCsv(manifest, options),
        };
        string root = options.Root ?? Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        Entries = rows.Select(r => new ManifestEntry(Path.GetFullPath(Path.Combine(root, r.Entry.Path)), r.Entry.Labels)).ToArray();
        Classes = options.Classes ?? DeriveClasses(rows.SelectMany(r => r.Entry.Labels));
        var index = Classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        _labels = rows.Select(r => r.Entry.Labels.Select(l => index.TryGetValue(l, out int i) ? i
            : throw new InvalidDataException($"{manifest}: {r.Where}: label '{l}' is not one of the {Classes.Count} classes.")).ToArray()).ToArray();
        Manifest = manifest;
        _loader = loader;
    }

    /// <summary>The manifest file.</summary>
    public string Manifest { get; }

    /// <summary>Every row, with absolute paths.</summary>
    public IReadOnlyList<ManifestEntry> Entries { get; }

    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Whether any row has other than exactly one label.</summary>
    public bool IsMultiLabel => _labels.Any(l => l.Length != 1);

    public int Count => Entries.Count;

    /// <summary>The label indices of row <paramref name="index"/>.</summary>
    public IReadOnlyList<int> Labels(int index) => _labels[index];

    /// <summary>Loads row <paramref name="index"/>'s image and its label indices.</summary>
    public MultiLabelSample Get(int index)
    {
        var loader = _loader ?? throw new InvalidOperationException("ManifestDataset.Get: no loader was given; pass a Func<string, Tensor> to decode images, or use Entries.");
        return new MultiLabelSample(loader(Entries[index].Path), _labels[index]);
    }

    /// <summary>A (C) float32 tensor with 1 at each label of row <paramref name="index"/> (the target of a multi-label loss).</summary>
    public Tensor MultiHot(int index)
    {
        var v = new float[Classes.Count];
        foreach (int l in _labels[index]) v[l] = 1f;
        return Tensor.FromArray(v, v.Length);
    }

    /// <summary>The same rows as single-label samples; every row must have exactly one label.</summary>
    public IDataset<ImageSample> AsSingleLabel()
    {
        int bad = Array.FindIndex(_labels, l => l.Length != 1);
        if (bad >= 0) throw new InvalidOperationException($"ManifestDataset.AsSingleLabel: row {bad} of {Manifest} has {_labels[bad].Length} labels.");
        return new SingleLabel(this);
    }

    private sealed class SingleLabel(ManifestDataset inner) : IDataset<ImageSample>
    {
        public int Count => inner.Count;

        public ImageSample Get(int index)
        {
            var s = inner.Get(index);
            return new ImageSample(s.Image, s.Labels[0]);
        }
    }

    private static IReadOnlyList<string> DeriveClasses(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct().ToArray();
        var numbers = distinct.Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v.ToString(CultureInfo.InvariantCulture) == l ? v : -1).ToArray();
        if (distinct.Length > 0 && numbers.All(v => v >= 0))
            return Enumerable.Range(0, numbers.Max() + 1).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        return distinct.Order(StringComparer.Ordinal).ToArray();
    }

    private static string[] SplitLabels(string cell, char? separator) => separator is char s
        ? cell.Split(s, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : cell.Trim().Length == 0 ? [] : [cell.Trim()];

    // ---------------------------------------------------------------- CSV

    private static List<(ManifestEntry Entry, string Where)> ReadCsv(string file, ManifestOptions o)
    {
        var records = ParseCsv(File.ReadAllText(file), o.Delimiter, file);
        if (records.Count == 0) throw new InvalidDataException($"{file}: empty manifest (no header row).");
        var header = records[0].Fields.Select(h => h.Trim()).ToList();
        int pathCol = header.IndexOf(o.PathKey);
        int labelCol = header.IndexOf(o.LabelKey);
        if (labelCol < 0 && o.LabelKey == "label") labelCol = header.IndexOf("labels");
        if (pathCol < 0 || labelCol < 0)
            throw new InvalidDataException($"{file}: line 1: the header ({string.Join(", ", header)}) lacks the column '{(pathCol < 0 ? o.PathKey : o.LabelKey)}'.");
        var rows = new List<(ManifestEntry, string)>();
        foreach (var (fields, line) in records.Skip(1))
        {
            if (fields.Count == 1 && fields[0].Length == 0) continue; // blank line
            if (fields.Count != header.Count)
                throw new InvalidDataException($"{file}: line {line}: {fields.Count} fields, the header has {header.Count}.");
            rows.Add((new ManifestEntry(fields[pathCol].Trim(), SplitLabels(fields[labelCol], o.LabelSeparator)), $"line {line}"));
        }
        return rows;
    }

    /// <summary>RFC 4180 records: fields split by the delimiter, optionally double-quoted ("" escapes a quote), CRLF or LF line ends.</summary>
    internal static List<(List<string> Fields, int Line)> ParseCsv(string text, char delimiter, string file)
    {
        var records = new List<(List<string>, int)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, i = 0;
        bool quoted = false, any = false;
        while (i < text.Length)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                if (c == '"') { quoted = false; i++; continue; }
                if (c == '\n') line++;
                field.Append(c);
                i++;
                continue;
            }
            if (c == '"' && field.Length == 0) { quoted = true; any = true; i++; continue; }
            if (c == delimiter) { fields.Add(field.ToString()); field.Clear(); any = true; i++; continue; }
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') { i++; continue; }
            if (c == '\n')
            {
                fields.Add(field.ToString());
                records.Add((fields, recordLine));
                fields = [];
                field.Clear();
                any = false;
                recordLine = ++line;
                i++;
                continue;
            }
            field.Append(c);
            any = true;
            i++;
        }
        if (quoted) throw new InvalidDataException($"{file}: line {recordLine}: a quoted field is never closed.");
        if (any || field.Length > 0) { fields.Add(field.ToString()); records.Add((fields, recordLine)); }
        return records;
    }

    // ---------------------------------------------------------------- JSON

    private static List<(ManifestEntry Entry, string Where)> ReadJson(string file, ManifestOptions o)
    {
        using var doc = Parse(File.ReadAllText(file), file, "");
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{file}: expected a JSON array of objects, got {doc.RootElement.ValueKind}.");
        return doc.RootElement.EnumerateArray().Select((e, i) => (Row(e, o, file, $"item {i}"), $"item {i}")).ToList();
    }

    private static List<(ManifestEntry Entry, string Where)> ReadJsonLines(string file, ManifestOptions o)
    {
        var rows = new List<(ManifestEntry, string)>();
        var lines = File.ReadAllLines(file);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            using var doc = Parse(lines[i], file, $"line {i + 1}: ");
            rows.Add((Row(doc.RootElement, o, file, $"line {i + 1}"), $"line {i + 1}"));
        }
        return rows;
    }

    private static JsonDocument Parse(string json, string file, string where)
    {
        try { return JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{file}: {where}invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine}: {e.Message}", e); }
    }

    private static ManifestEntry Row(JsonElement e, ManifestOptions o, string file, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{file}: {where}: expected an object, got {e.ValueKind}.");
        if (!e.TryGetProperty(o.PathKey, out var path) || path.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{file}: {where}: no string '{o.PathKey}'.");
        if (!e.TryGetProperty(o.LabelKey, out var label) && !(o.LabelKey == "label" && e.TryGetProperty("labels", out label)))
            throw new InvalidDataException($"{file}: {where}: no '{o.LabelKey}'.");
        string[] labels = label.ValueKind switch
        {
            JsonValueKind.Array => label.EnumerateArray().Select(l => Scalar(l, file, where)).ToArray(),
            JsonValueKind.String => SplitLabels(label.GetString()!, o.LabelSeparator),
            _ => [Scalar(label, file, where)],
        };
        return new ManifestEntry(path.GetString()!, labels);
    }

    private static string Scalar(JsonElement e, string file, string where) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number when e.TryGetInt32(out int v) => v.ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidDataException($"{file}: {where}: a label must be a string or an integer, got {e.GetRawText()}."),
    };
}

// The shared body of MNIST-like and CIFAR-like datasets: N images of one size held as uint8 C×H×W records in
// one array, with an int label each. Get copies one image into a fresh tensor, as uint8 or as float32 in [0, 1]
// (divided by 255, like torchvision's ToTensor); it only reads shared arrays, so loader threads may call it at once.
namespace Fovea.Data;

/// <summary>Images of one size kept in memory as uint8 C×H×W records with a class label each.</summary>
public abstract class InMemoryImageDataset : IDataset<ImageSample>
{
    private readonly byte[] _pixels;
    private readonly int[] _labels;

    /// <summary>Wraps <paramref name="pixels"/> (N·C·H·W bytes) and <paramref name="labels"/> (N) without copying.</summary>
    protected InMemoryImageDataset(byte[] pixels, int[] labels, int channels, int height, int width,
        IReadOnlyList<string> classes, DatasetSource source, DatasetSplit split, bool asFloat)
    {
        if (pixels.LongLength != (long)labels.Length * channels * height * width)
            throw new ArgumentException($"{GetType().Name}: {pixels.Length} pixel bytes for {labels.Length} images of {channels}x{height}x{width}.");
        _pixels = pixels;
        _labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        Classes = classes;
        Source = source;
        Split = split;
        AsFloat = asFloat;
    }

    /// <summary>The number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>The first <paramref name="count"/> images (all when fewer), e.g. for quick runs.</summary>
    public InMemoryImageDataset Head(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"{GetType().Name}.Head: count must be >= 0, got {count}.");
        if (count >= Count) return this;
        int size = Channels * Height * Width;
        return new HeadOf(_pixels[..(count * size)], _labels[..count], this);
    }

    private sealed class HeadOf(byte[] pixels, int[] labels, InMemoryImageDataset all)
        : InMemoryImageDataset(pixels, labels, all.Channels, all.Height, all.Width, all.Classes, all.Source, all.Split, all.AsFloat);
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Where the data was read from.</summary>
    public DatasetSource Source { get; }

    public DatasetSplit Split { get; }

    /// <summary>Whether <see cref="Get"/> returns float32 images scaled to [0, 1] (else uint8 0..255).</summary>
    public bool AsFloat { get; }

    /// <summary>The label of image <paramref name="index"/>.</summary>
    public int Label(int index) => _labels[Check(index)];

    /// <summary>Every label, in order.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The raw C·H·W bytes of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Pixels(int index)
    {
        int size = Channels * Height * Width;
        return _pixels.AsSpan(Check(index) * size, size);
    }

    /// <summary>Image <paramref name="index"/> as a new C×H×W tensor (uint8, or float32 in [0, 1] when <see cref="AsFloat"/>) and its label.</summary>
    public ImageSample Get(int index)
    {
        var src = Pixels(index);
        int[] shape = [Channels, Height, Width];
        if (!AsFloat)
        {
            var t = Tensor.Empty(shape, DType.UInt8);
            src.CopyTo(t.AsSpan<byte>());
            return new ImageSample(t, _labels[index]);
        }
        var f = Tensor.Empty(shape, DType.Float32);
        var dst = f.AsSpan<float>();
        for (int i = 0; i < src.Length; i++) dst[i] = src[i] / 255f;
        return new ImageSample(f, _labels[index]);
    }

    /// <summary>Image <paramref name="index"/> as an 8-bit <see cref="Imaging.Image"/> (gray or RGB, HWC).</summary>
    public Imaging.Image ToImage(int index)
    {
        var src = Pixels(index);
        if (Channels is not (1 or 3)) throw new InvalidOperationException($"{GetType().Name}.ToImage: {Channels} channels; only gray and RGB images convert.");
        var hwc = new byte[src.Length];
        int plane = Height * Width;
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < Channels; c++) hwc[p * Channels + c] = src[c * plane + p];
        return new Imaging.Image(Width, Height, Channels == 1 ? Imaging.ColorSpace.Gray : Imaging.ColorSpace.Rgb, hwc);
    }

    /// <summary>All images as one (N, C, H, W) uint8 tensor.</summary>
    public Tensor ImagesTensor() => Tensor.FromArray(_pixels, Count, Channels, Height, Width);

    /// <summary>All labels as one (N) int64 tensor.</summary>
    public Tensor LabelsTensor() => Tensor.FromArray(_labels.Select(l => (long)l).ToArray(), Count);

    public override string ToString() =>
        $"{GetType().Name}({Split.ToString().ToLowerInvariant()}, {Count} images of {Channels}x{Height}x{Width}, {Classes.Count} classes, {Source})";

    private int Check(int index) => (uint)index < (uint)_labels.Length ? index
        : throw new ArgumentOutOfRangeException(nameof(index), $"{GetType().Name}: index {index} is outside 0..{_labels.Length - 1}.");
}

/// <summary>An in-memory image dataset over arrays the caller provides (N·C·H·W uint8 pixels and N labels).</summary>
public sealed class ImageArrayDataset(byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classes,
    DatasetSplit split = DatasetSplit.Train, bool asFloat = false, DatasetSource? source = null)
    : InMemoryImageDataset(pixels, labels, channels, height, width, classes, source ?? new DatasetSource(DatasetSourceKind.Explicit, "(arrays)"), split, asFloat);

// A pipeline written as text, for the command line and config files: "hflip,rotate:15,rrc:224,jitter:0.4,erase" builds
// Compose(HorizontalFlip, Rotate(15), RandomResizedCrop(224), ColorJitter(0.4, 0.4, 0.4), RandomErasing()).
using System.Globalization;

namespace Fovea.Data.Augmentation;

public static class PipelineSpec
{
    /// <summary>Every step name with its optional argument and meaning.</summary>
    public static IReadOnlyList<(string Step, string Meaning)> Steps { get; } =
    [
        ("hflip[:p]", "horizontal flip"), ("vflip[:p]", "vertical flip"), ("rotate:DEG", "random rotation in +-DEG"),
        ("affine:DEG", "rotation, 10 % translation, 0.9-1.1 scale, 10 degree shear"), ("perspective[:d]", "perspective distortion"),
        ("elastic", "elastic deformation"), ("rrc:SIZE", "random resized crop"), ("crop:SIZE", "random crop"), ("center:SIZE", "center crop"),
        ("resize:SIZE", "resize to SIZE x SIZE"), ("jitter:S", "colour jitter of strength S (hue S/4)"), ("gray[:p]", "random grayscale"),
        ("equalize", "histogram equalisation"), ("autocontrast", "auto contrast"), ("blur:SIGMA", "Gaussian blur"),
        ("noise:STD", "Gaussian noise (0-255 scale)"), ("jpeg:Q", "JPEG artefacts, quality Q-95"), ("illumination", "gain, gradients and shadows"),
        ("erase[:p]", "random erasing"), ("cutout:SIZE", "one square hole"), ("gridmask", "grid mask"),
        ("randaugment", "RandAugment(2, 9)"), ("trivialaugment", "TrivialAugmentWide"), ("autoaugment", "AutoAugment ImageNet policy"),
    ];

    /// <summary>Builds the pipeline; unknown steps or bad arguments name the step and list the valid ones.</summary>
    public static ITransform Parse(string spec)
    {
        var steps = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Step).ToArray();
        if (steps.Length == 0) throw new ArgumentException("Augmentation pipeline: no steps given.");
        return new Compose(steps);
    }

    private static ITransform Step(string text)
    {
        var parts = text.Split(':', 2);
        string name = parts[0].ToLowerInvariant();
        double Num(double fallback) => parts.Length < 2 ? fallback
            : double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new ArgumentException($"Augmentation step '{text}': '{parts[1]}' is not a number.");
        int Size() => parts.Length == 2 ? (int)Num(0) : throw new ArgumentException($"Augmentation step '{text}' needs a size, e.g. {name}:224.");
        return name switch
        {
            "hflip" => new HorizontalFlip(Num(0.5)),
            "vflip" => new VerticalFlip(Num(0.5)),
            "rotate" => new Rotate(Num(15)),
            "affine" => new Affine((-Num(10), Num(10)), (0.1, 0.1), (0.9, 1.1), (-10, 10)),
            "perspective" => new Perspective(Num(0.5), p: 1.0),
            "elastic" => new ElasticTransform(),
            "rrc" => new RandomResizedCrop(Size()),
            "crop" => new RandomCrop(Size(), Size(), padIfNeeded: true),
            "center" => new CenterCrop(Size()),
            "resize" => new Resize(Size(), Size()),
            "jitter" => new ColorJitter(Num(0.4), Num(0.4), Num(0.4), Num(0.4) / 4),
            "gray" => new RandomGrayscale(Num(0.2)),
            "equalize" => new HistogramEqualize(),
            "autocontrast" => new AutoContrast(),
            "blur" => new GaussianBlur(5, 0.1, Num(1.5)),
            "noise" => new GaussianNoise(0, Num(10)),
            "jpeg" => new JpegCompression((int)Num(30), 95),
            "illumination" => new Illumination(),
            "erase" => new RandomErasing(Num(0.5)),
            "cutout" => new Cutout(1, (int)Num(16)),
            "gridmask" => new GridMask(),
            "randaugment" => new RandAugment(),
            "trivialaugment" => new TrivialAugmentWide(),
            "autoaugment" => new AutoAugment(),
            _ => throw new ArgumentException($"Unknown augmentation step '{name}'. Valid steps: {string.Join(", ", Steps.Select(s => s.Step))}."),
        };
    }
}

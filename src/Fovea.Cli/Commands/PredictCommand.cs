// `fovea predict IMAGES... --model RUN`: top-k classes per image (several --model = an ensemble), or
// `--input x.npy --output y.npy` to run a raw (N, C, H, W) tensor through the model and save the probabilities.
// Multi-label runs print the labels at or above their tuned thresholds and the ranking of all labels by probability.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fovea.Data.Augmentation;
using Fovea.Imaging;
using Fovea.IO;
using Fovea.Training;

namespace Fovea.Cli.Commands;

public static class PredictCommand
{
    public static Command Create()
    {
        var images = new Argument<string[]>("images") { Description = "Image files (PNG, JPEG, BMP, PPM/PGM, GIF).", Arity = ArgumentArity.ZeroOrMore };
        var models = new Option<string[]>("--model") { Description = "Run folder, .safetensors from fovea train, .onnx, or .pth/.pt with --arch; repeat for an ensemble.", Required = true, AllowMultipleArgumentsPerToken = true };
        var arch = new Option<string?>("--arch") { Description = "The zoo architecture of a bare PyTorch state dict (.pth/.pt)." };
        var topK = new Option<int?>("--top-k", "--top") { Description = "Classes to show per image (default 3; multi-label: the whole ranking)." };
        var input = new Option<string?>("--input") { Description = "A .npy tensor (N, C, H, W) or (C, H, W), already normalised, instead of images." };
        var output = new Option<string?>("--output") { Description = "Write the (N, classes) probabilities to this .npy file." };
        var tta = new Option<bool>("--tta") { Description = "Average with the horizontally flipped image." };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON lines." };
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors." };
        var cmd = new Command("predict", "Classify images (or a .npy tensor) with trained models.") { images, models, arch, topK, input, output, tta, json, verbose };
        cmd.SetAction(r => CliErrors.Run(r.GetValue(verbose), r.GetValue(json), () =>
        {
            var loaded = r.GetValue(models)!.Select(m => TrainedModel.Load(m, r.GetValue(arch))).ToList();
            foreach (var m in loaded) Fovea.Models.Inference.Optimize(m.Model);   // folded norms, fused activations, packed weights
            var first = loaded[0];
            if (loaded.Any(m => m.MultiLabel != first.MultiLabel)) throw new ArgumentException("predict: an ensemble mixes multi-label and single-label models.");
            var ensemble = new Ensemble(loaded.Select(m => m.Model).ToList(), flipTta: r.GetValue(tta), multiLabel: first.MultiLabel);
            var files = r.GetValue(images) ?? [];
            Tensor batch;
            string[] names;
            if (r.GetValue(input) is { } npy)
            {
                batch = Npy.Load(npy).To(DType.Float32);
                if (batch.Rank == 3) batch = batch.Unsqueeze(0);
                names = Enumerable.Range(0, batch.Size(0)).Select(i => $"{Path.GetFileName(npy)}[{i}]").ToArray();
            }
            else
            {
                if (files.Length == 0) throw new ArgumentException("predict: give image files or --input x.npy.");
                batch = Tensor.Stack(files.Select(f => Preprocess(ImageIO.Read(f), first)).ToList());
                names = files;
            }
            using var probs = ensemble.PredictProba(batch);
            if (r.GetValue(output) is { } outPath) Npy.Save(outPath, probs);
            int k = Math.Clamp(r.GetValue(topK) ?? (first.MultiLabel ? first.Classes.Count : 3), 1, first.Classes.Count), classes = first.Classes.Count;
            var p = probs.ToArray<float>();
            if (first.MultiLabel)
            {
                PrintMultiLabel(names, p, first, k, r.GetValue(json));
                return 0;
            }
            for (int i = 0; i < names.Length; i++)
            {
                var top = Enumerable.Range(0, classes).OrderByDescending(c => p[i * classes + c]).Take(k).Select(c => (Class: first.Classes[c], P: p[i * classes + c])).ToList();
                if (r.GetValue(json))
                    Console.WriteLine(JsonSerializer.Serialize(new { input = names[i], top = top.Select(t => new { label = t.Class, probability = t.P }) }));
                else
                    Console.WriteLine($"{names[i]}: " + string.Join(", ", top.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Class} {t.P:P1}"))));
            }
            return 0;
        }));
        return cmd;
    }

    // Per image: the labels at or above their thresholds, then the top k of the ranking with their probabilities.
    private static void PrintMultiLabel(string[] names, float[] p, TrainedModel m, int k, bool json)
    {
        int l = m.Classes.Count;
        var thresholds = m.Thresholds!;
        for (int i = 0; i < names.Length; i++)
        {
            var ranking = Enumerable.Range(0, l).OrderByDescending(j => p[i * l + j]).ToList();
            var above = ranking.Where(j => p[i * l + j] >= thresholds[j]).Select(j => m.Classes[j]).ToList();
            if (json)
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    input = names[i], labels = above,
                    ranking = ranking.Take(k).Select(j => new { label = m.Classes[j], probability = p[i * l + j], threshold = thresholds[j], predicted = p[i * l + j] >= thresholds[j] }),
                }));
            else
                Console.WriteLine($"{names[i]}: [{string.Join(", ", above)}]  ranking: " +
                    string.Join(", ", ranking.Take(k).Select(j => string.Create(CultureInfo.InvariantCulture, $"{m.Classes[j]} {p[i * l + j]:P1}"))));
        }
    }

    /// <summary>An image as the model's input: its channel count (gray by luma, or RGB), its size (bilinear, as PIL) and its normalisation.</summary>
    internal static Tensor Preprocess(Image image, TrainedModel m)
    {
        if (image.BitDepth != 8) throw new ArgumentException($"predict: {image}: 16-bit images are not supported; convert to 8 bits first.");
        var im = m.InChannels == 1
            ? (image.Color == ColorSpace.Gray ? image : ColorOps.Grayscale(ImageOps.ToRgb(image), single: true))
            : ImageOps.ToRgb(image);
        if (im.Width != m.Width || im.Height != m.Height) im = Resampler.Resize(im, m.Width, m.Height, Interpolation.Bilinear);
        return ImageTensor.ToTensor(im, normalize: true, m.Mean.Select(v => (float)v).ToArray(), m.Std.Select(v => (float)v).ToArray());
    }
}

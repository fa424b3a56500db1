// Augmentation library: deterministic ops against torchvision 0.14 / PIL fixtures (tools/fixtures/gen_augment.py),
// and properties of the random transforms: targets stay in the frame and agree with the pixels, flips invert,
// seeds reproduce, sampled parameters stay in their ranges.
using Fovea.Data.Augmentation;
using Fovea.Imaging;
using Fovea.Random;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Data;

public class AugmentationTests
{
    // ---------- fixtures ----------

    private static Image ToImage(Tensor hwc)
    {
        var b = hwc.ToArray<byte>();
        return new Image(hwc.Size(1), hwc.Size(0), (ColorSpace)hwc.Size(2), b);
    }

    private static double[] D(Dictionary<string, Tensor> f, string k) => f[k].To(DType.Float64).ToArray<double>();

    /// <summary>
    /// The op under test for each fixture case and its tolerance (max |difference| per sample, and how many samples
    /// may exceed it). Exact (0) where we port the same integer or float32 formula; ±1 where torchvision's float32
    /// evaluation order differs from ours before a round/truncate (2-D vs separable blur, bmm-computed grids, pow,
    /// HSV, mean reduction); warps also allow a few samples over because a grid coordinate within 1e-6 of a pixel
    /// boundary can land on the other neighbour.
    /// </summary>
    private static (Func<Image, Dictionary<string, Tensor>, Image> Op, int Tol, int Outliers) CaseOp(string name)
    {
        AugmentSample S(Image im) => new(im);
        if (name.StartsWith("resize_"))
        {
            var mode = name.Split('_')[1] switch { "nearest" => Interpolation.Nearest, "bilinear" => Interpolation.Bilinear, "bicubic" => Interpolation.Bicubic, _ => Interpolation.Area };
            return ((im, f) => { var sz = D(f, "size"); return Resampler.Resize(im, (int)sz[0], (int)sz[1], mode); }, 0, 0);
        }
        if (name.StartsWith("pad_"))
        {
            var mode = Enum.Parse<PadMode>(name[4..], ignoreCase: true);
            return ((im, f) => ImageOps.Pad(im, 2, 1, 3, 4, mode, [7]), 0, 0);
        }
        double Factor(Dictionary<string, Tensor> f) => D(f, "factor")[0];
        if (name.StartsWith("brightness")) return ((im, f) => ColorOps.Brightness(im, Factor(f)), 0, 0);
        if (name.StartsWith("contrast")) return ((im, f) => ColorOps.Contrast(im, Factor(f)), 1, 0);
        if (name.StartsWith("saturation")) return ((im, f) => ColorOps.Saturation(im, Factor(f)), 0, 0);
        if (name.StartsWith("sharpness")) return ((im, f) => ColorOps.Sharpness(im, Factor(f)), 1, 0);
        if (name.StartsWith("hue")) return ((im, f) => ColorOps.Hue(im, Factor(f)), 1, 0);
        if (name.StartsWith("gamma")) return ((im, f) => ColorOps.Gamma(im, D(f, "gamma")[0], D(f, "gain")[0]), 1, 0);
        return name switch
        {
            "hflip" => ((im, _) => ImageOps.FlipHorizontal(im), 0, 0),
            "vflip" => ((im, _) => ImageOps.FlipVertical(im), 0, 0),
            "center_crop" => ((im, _) => new CenterCrop(8, 10).Run(S(im)).Image, 0, 0),
            "center_crop_pad" => ((im, _) => new CenterCrop(16, 20).Run(S(im)).Image, 0, 0),
            "rotate_bilinear" => ((im, f) => GeometricOps.Rotate(S(im), D(f, "angle")[0]).Image, 1, 3),
            "rotate_bilinear_fill" => ((im, f) => GeometricOps.Rotate(S(im), D(f, "angle")[0], fill: D(f, "fill").Select(v => (byte)v).ToArray()).Image, 1, 3),
            "rotate_nearest" => ((im, f) => GeometricOps.Rotate(S(im), D(f, "angle")[0], Interpolation.Nearest).Image, 0, 3),
            "affine_bilinear" => ((im, f) =>
            {
                var t = D(f, "translate");
                var sh = D(f, "shear");
                return GeometricOps.Affine(S(im), D(f, "angle")[0], (t[0], t[1]), D(f, "scale")[0], (sh[0], sh[1])).Image;
            }, 1, 3),
            "affine_shear_center" => ((im, f) => GeometricOps.Affine(S(im), 0, (0, 0), 1, (D(f, "shear")[0], 0), center: (0, 0)).Image, 1, 3),
            "perspective" => ((im, f) =>
            {
                var st = D(f, "start");
                var en = D(f, "end");
                var sp = Enumerable.Range(0, 4).Select(i => (st[2 * i], st[2 * i + 1])).ToArray();
                var ep = Enumerable.Range(0, 4).Select(i => (en[2 * i], en[2 * i + 1])).ToArray();
                return GeometricOps.Perspective(S(im), sp, ep).Image;
            }, 1, 3),
            "posterize_3" => ((im, _) => ColorOps.Posterize(im, 3), 0, 0),
            "solarize_128" => ((im, _) => ColorOps.Solarize(im, 128), 0, 0),
            "equalize" or "equalize_gray" => ((im, _) => ColorOps.Equalize(im), 0, 0),
            "autocontrast" => ((im, _) => ColorOps.AutoContrast(im), 0, 0),
            "invert" => ((im, _) => ColorOps.Invert(im), 0, 0),
            "grayscale" => ((im, _) => ColorOps.Grayscale(im), 0, 0),
            "gaussian_blur" => ((im, _) => Filters.GaussianBlur(im, 5, 3, 1.3, 0.8), 1, 0),
            "erase" => ((im, _) => ColorOps.Erase(im, 4, 3, 6, 5, [9, 99, 199]), 0, 0),
            _ => throw new ArgumentException($"no op for fixture case {name}"),
        };
    }

    public static TheoryData<string> ImageCases()
    {
        var d = new TheoryData<string>();
        foreach (var c in Fixture.Cases("augment")) if (c != "to_tensor_normalize") d.Add(c);
        return d;
    }

    [Theory]
    [MemberData(nameof(ImageCases))]
    public void MatchesTorchvision(string name)
    {
        var f = Fixture.Load("augment/" + name);
        var x = ToImage(f["x"]);
        var expected = ToImage(f["out"]);
        var (op, tol, outliers) = CaseOp(name);
        var actual = op(x, f);
        Assert.Equal((expected.Width, expected.Height, expected.Channels), (actual.Width, actual.Height, actual.Channels));
        int over = 0, worst = 0;
        for (int i = 0; i < expected.Pixels.Length; i++)
        {
            int d = Math.Abs(expected.Pixels[i] - actual.Pixels[i]);
            worst = Math.Max(worst, d);
            if (d > tol) over++;
        }
        Assert.True(over <= outliers, $"{name}: {over} samples differ by more than {tol} (worst {worst}; allowed {outliers})");
    }

    [Fact]
    public void ToTensorMatchesTorchvisionNormalize()
    {
        var f = Fixture.Load("augment/to_tensor_normalize");
        var x = ToImage(f["x"]);
        using var t = ImageTensor.ToTensor(x, normalize: true);
        Fixture.AssertClose(f["out"], t, 1e-5, 1e-5, "ToTensor");
        var back = ImageTensor.ToImage(t, ImageTensor.ImageNetMean, ImageTensor.ImageNetStd);
        Assert.Equal(x.Pixels, back.Pixels);
    }
}

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

    // ---------- properties ----------

    private static Image Noise(int w, int h, ColorSpace color, ulong seed)
    {
        var g = new Generator(seed);
        var im = new Image(w, h, color);
        for (int i = 0; i < im.Pixels.Length; i++) im.Pixels[i] = (byte)g.NextLong(256);
        return im;
    }

    /// <summary>A 40x30 RGB sample with three boxes, their labels, a mask drawn from the boxes and four keypoints.</summary>
    private static AugmentSample Sample(ulong seed = 1)
    {
        var boxes = new float[,] { { 3, 4, 15, 20 }, { 20.5f, 2, 38, 12.5f }, { 10, 15, 30, 28 } };
        return new AugmentSample(Noise(40, 30, ColorSpace.Rgb, seed), boxes, [1, 2, 3], MaskFromBoxes(40, 30, boxes),
            new float[,] { { 5.5f, 6.5f, 2 }, { 30, 10, 2 }, { 20, 20, 1 }, { 1, 1, 0 } });
    }

    /// <summary>Mask with value i+1 where pixel centres fall inside box i (later boxes on top).</summary>
    private static Image MaskFromBoxes(int w, int h, float[,] boxes)
    {
        var m = new Image(w, h, ColorSpace.Gray);
        for (int i = 0; i < boxes.GetLength(0); i++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (x + 0.5f >= boxes[i, 0] && x + 0.5f < boxes[i, 2] && y + 0.5f >= boxes[i, 1] && y + 0.5f < boxes[i, 3])
                        m.Pixels[y * w + x] = (byte)(i + 1);
        return m;
    }

    /// <summary>Bounding box (xyxy, pixel edges) of mask pixels equal to <paramref name="value"/>, or null.</summary>
    private static (int X1, int Y1, int X2, int Y2)? MaskBox(Image m, byte value)
    {
        int x1 = int.MaxValue, y1 = int.MaxValue, x2 = -1, y2 = -1;
        for (int y = 0; y < m.Height; y++)
            for (int x = 0; x < m.Width; x++)
                if (m.Pixels[y * m.Width + x] == value) { x1 = Math.Min(x1, x); y1 = Math.Min(y1, y); x2 = Math.Max(x2, x + 1); y2 = Math.Max(y2, y + 1); }
        return x2 < 0 ? null : (x1, y1, x2, y2);
    }

    private static void AssertBoxesInFrame(AugmentSample s, string what)
    {
        s.Validate();
        if (s.Boxes == null) return;
        for (int i = 0; i < s.Boxes.GetLength(0); i++)
        {
            float x1 = s.Boxes[i, 0], y1 = s.Boxes[i, 1], x2 = s.Boxes[i, 2], y2 = s.Boxes[i, 3];
            Assert.True(x1 >= 0 && y1 >= 0 && x2 <= s.Width && y2 <= s.Height && x2 - x1 >= s.MinBoxSize && y2 - y1 >= s.MinBoxSize,
                $"{what}: box {i} ({x1}, {y1}, {x2}, {y2}) outside {s.Width}x{s.Height} or degenerate");
        }
        Assert.Equal(s.Boxes.GetLength(0), s.BoxLabels!.Length);
    }

    private static readonly Func<ITransform>[] GeometricFactories =
    [
        () => new HorizontalFlip(), () => new VerticalFlip(), () => new Rotate(45), () => new Rotate(-180, 180, Interpolation.Nearest),
        () => new Affine((-30, 30), (0.3, 0.3), (0.5, 1.8), (-20, 20), (-10, 10)), () => new RandomResizedCrop(24, 32),
        () => new CenterCrop(20), () => new RandomCrop(25, 25, padding: 4), () => new Pad(3, 1, 0, 5, PadMode.Reflect),
        () => new Resize(17), () => new Letterbox(32, 32), () => new Perspective(0.6, 1.0), () => new ElasticTransform(20, 3),
        () => new GridDistortion(4, 0.5), () => new RandAugment(3, 15), () => new TrivialAugmentWide(), () => new AutoAugment(),
    ];

    [Fact]
    public void BoxesStayInsideTheFrame()
    {
        foreach (var make in GeometricFactories)
        {
            var t = make();
            for (ulong seed = 0; seed < 12; seed++)
            {
                var s = Sample();
                s.MinBoxVisibility = 0.2f;
                var r = t.Apply(s, new Generator(seed));
                AssertBoxesInFrame(r, $"{t.GetType().Name} seed {seed}");
                Assert.Equal((r.Width, r.Height), (r.Mask!.Width, r.Mask.Height));
                for (int k = 0; k < r.Keypoints!.GetLength(0); k++)
                    if (r.Keypoints[k, 2] > 0)
                        Assert.True(r.Keypoints[k, 0] >= 0 && r.Keypoints[k, 0] < r.Width && r.Keypoints[k, 1] >= 0 && r.Keypoints[k, 1] < r.Height, $"{t.GetType().Name}: visible keypoint outside");
            }
        }
    }

    [Fact]
    public void FlippingTwiceRestoresTheSample()
    {
        var s = Sample();
        foreach (var flip in new Func<AugmentSample, AugmentSample>[] { GeometricOps.FlipHorizontal, GeometricOps.FlipVertical })
        {
            var once = flip(s);
            var twice = flip(once);
            Assert.NotEqual(s.Image.Pixels, once.Image.Pixels);
            Assert.Equal(s.Image.Pixels, twice.Image.Pixels);
            Assert.Equal(s.Mask!.Pixels, twice.Mask!.Pixels);
            Assert.Equal(s.Boxes, twice.Boxes);
            Assert.Equal(s.BoxLabels, twice.BoxLabels);
            Assert.Equal(s.Keypoints, twice.Keypoints);
        }
        var h = GeometricOps.FlipHorizontal(s);
        Assert.Equal(new float[] { 40 - 15, 4, 40 - 3, 20 }, Enumerable.Range(0, 4).Select(k => h.Boxes![0, k]));
        Assert.Equal(40 - 5.5f, h.Keypoints![0, 0]);
    }

    /// <summary>Single-box samples so the mask's value-1 region is exactly the box.</summary>
    private static AugmentSample OneBox(float x1, float y1, float x2, float y2)
    {
        var boxes = new float[,] { { x1, y1, x2, y2 } };
        return new AugmentSample(Noise(40, 30, ColorSpace.Rgb, 5), boxes, [1], MaskFromBoxes(40, 30, boxes));
    }

    [Fact]
    public void BoxesAgreeWithTransformedMasks()
    {
        // (transform, tolerance in pixels): exact for axis-aligned moves on whole pixels, about a pixel where the
        // mask is resampled (nearest) and the box is the exact image of the corners.
        (Func<AugmentSample, AugmentSample> F, double Tol, string Name)[] cases =
        [
            (GeometricOps.FlipHorizontal, 0, "hflip"), (GeometricOps.FlipVertical, 0, "vflip"),
            (s => GeometricOps.Crop(s, 5, 3, 25, 20), 0, "crop"), (s => GeometricOps.Pad(s, 4, 2, 1, 3), 0, "pad"),
            (s => GeometricOps.Resize(s, 80, 60, Interpolation.Nearest), 0, "resize x2"),
            (s => GeometricOps.Resize(s, 27, 19), 1.0, "resize"),
            (s => GeometricOps.Rotate(s, 90, Interpolation.Nearest), 1.0, "rotate 90"),
            (s => GeometricOps.Rotate(s, 23), 1.5, "rotate 23"),
            (s => GeometricOps.Affine(s, 10, (3, -2), 1.2, (12, 4)), 1.5, "affine"),
            (s => GeometricOps.Perspective(s, [(0, 0), (39, 0), (39, 29), (0, 29)], [(4, 2), (35, 1), (39, 27), (2, 25)]), 1.5, "perspective"),
            (s => new GridDistortion(5, 0.4).Apply(s, new Generator(3)), 1.0, "grid distortion"),
            (s => new ElasticTransform(6, 3).Apply(s, new Generator(4)), 0, "elastic"),
            (s => new Letterbox(50, 50).Apply(s, new Generator(0)), 1.0, "letterbox"),
        ];
        foreach (var (f, tol, name) in cases)
            foreach (var box in new[] { (8f, 6f, 22f, 17f), (25f, 10f, 37f, 28f) })
            {
                var r = f(OneBox(box.Item1, box.Item2, box.Item3, box.Item4));
                var mb = MaskBox(r.Mask!, 1);
                Assert.True(mb.HasValue && r.Boxes!.GetLength(0) == 1, $"{name}: box or mask lost");
                var (x1, y1, x2, y2) = mb!.Value;
                double[] want = [x1, y1, x2, y2];
                for (int k = 0; k < 4; k++)
                    Assert.True(Math.Abs(r.Boxes![0, k] - want[k]) <= tol + 1e-4, $"{name} {box}: box[{k}] = {r.Boxes[0, k]}, mask box {want[k]} (tol {tol})");
            }
    }

    [Fact]
    public void BoxesLeavingTheFrameAreDroppedWithTheirLabels()
    {
        var s = Sample();
        var r = GeometricOps.Crop(s, 0, 0, 18, 30); // box 1 (x from 20.5) is outside
        Assert.Equal([1, 3], r.BoxLabels!);
        Assert.Equal(new float[] { 10, 15, 18, 28 }, Enumerable.Range(0, 4).Select(k => r.Boxes![1, k]));
        s.MinBoxVisibility = 0.5f; // box 3 keeps 8/20 of its width
        Assert.Equal([1], GeometricOps.Crop(s, 0, 0, 18, 30).BoxLabels!);
        Assert.Equal(0f, GeometricOps.Crop(s, 10, 0, 30, 30).Keypoints![0, 2]); // keypoint at x 5.5 left the frame
    }

    private static ITransform BigPipeline() => new Compose(
        new RandomResizedCrop(28, 36), new HorizontalFlip(), new RandomApply(0.7, new Rotate(20), new Affine((-5, 5), (0.1, 0.1))),
        new OneOf([new ColorJitter(0.4, 0.4, 0.4, 0.1), new Gamma(0.7, 1.4), new HistogramEqualize()], [2, 1, 1]),
        new SomeOf(2, new GaussianNoise(2, 8), new SaltAndPepper(0.01, 0.05), new GaussianBlur(3), new MotionBlur(3, 7),
            new JpegCompression(40, 80), new Illumination(), new Posterize(4, 6), new Solarize(200, 250)),
        new Perspective(0.3), new ElasticTransform(8, 3), new GridDistortion(), new RandomErasing(0.8), new Cutout(2, 6), new GridMask(8, 12),
        new RandAugment(), new TrivialAugmentWide(), new AutoAugment(), new RandomGrayscale(0.3), new AutoContrast(0.5));

    [Fact]
    public void SameSeedGivesTheSameOutput()
    {
        var t = BigPipeline();
        var outputs = new List<AugmentSample>();
        for (ulong seed = 0; seed < 6; seed++)
        {
            var a = t.Apply(Sample(), new Generator(seed));
            var b = t.Apply(Sample(), new Generator(seed));
            Assert.Equal(a.Image.Pixels, b.Image.Pixels);
            Assert.Equal(a.Mask!.Pixels, b.Mask!.Pixels);
            Assert.Equal(a.Boxes, b.Boxes);
            Assert.Equal(a.Keypoints, b.Keypoints);
            AssertBoxesInFrame(a, $"pipeline seed {seed}");
            outputs.Add(a);
        }
        Assert.True(outputs.Select(o => Convert.ToHexString(o.Image.Pixels)).Distinct().Count() == outputs.Count, "different seeds gave equal outputs");
        // The input sample is never modified.
        var s = Sample();
        var before = (byte[])s.Image.Pixels.Clone();
        t.Apply(s, new Generator(9));
        Assert.Equal(before, s.Image.Pixels);
    }

    [Fact]
    public void SampledParametersStayInRange()
    {
        var g = new Generator(42);
        var rrc = new RandomResizedCrop(10, 10, (0.2, 0.6), (0.5, 2.0));
        for (int i = 0; i < 500; i++)
        {
            var (top, left, h, w) = rrc.Sample(64, 48, g);
            Assert.True(top >= 0 && left >= 0 && top + h <= 48 && left + w <= 64);
            double frac = (double)w * h / (64 * 48);
            Assert.InRange(frac, 0.2 * 0.8, 0.6 * 1.2); // rounding w and h to whole pixels
            Assert.InRange((double)w / h, 0.5 * 0.8, 2.0 * 1.25);
        }
        var affine = new Affine((-10, 20), (0.1, 0.2), (0.8, 1.2), (-5, 5), (1, 3));
        for (int i = 0; i < 500; i++)
        {
            var (angle, t, scale, shear) = affine.Sample(50, 40, g);
            Assert.InRange(angle, -10, 20);
            Assert.InRange(Math.Abs(t.X), 0, 5);
            Assert.InRange(Math.Abs(t.Y), 0, 8);
            Assert.InRange(scale, 0.8, 1.2);
            Assert.InRange(shear.X, -5, 5);
            Assert.InRange(shear.Y, 1, 3);
        }
        var jitter = new ColorJitter(0.3, 0.5, 1.5, 0.2);
        double bMin = 9, bMax = 0;
        for (int i = 0; i < 500; i++)
        {
            var (order, b, c, s, h) = jitter.Sample(g);
            Assert.Equal([0, 1, 2, 3], order.Order());
            Assert.InRange(b, 0.7, 1.3);
            Assert.InRange(c, 0.5, 1.5);
            Assert.InRange(s, 0.0, 2.5);
            Assert.InRange(h, -0.2, 0.2);
            (bMin, bMax) = (Math.Min(bMin, b), Math.Max(bMax, b));
        }
        Assert.True(bMin < 0.75 && bMax > 1.25, "brightness does not cover its range");
        for (int i = 0; i < 200; i++)
        {
            var (start, end) = Perspective.Sample(40, 30, 0.5, g);
            Assert.Equal((39.0, 29.0), start[2]);
            Assert.InRange(end[0].X, 0, 10); Assert.InRange(end[0].Y, 0, 7);
            Assert.InRange(end[2].X, 29, 39); Assert.InRange(end[2].Y, 21, 29);
        }
        var erasing = new RandomErasing(1.0);
        for (int i = 0; i < 200; i++)
            if (erasing.SampleBox(40, 30, g) is var (top, left, h, w))
                Assert.True(top + h <= 30 && left + w <= 40 && h < 30 && w < 40 && h * w <= 0.33 * 1200 * 1.3);
        var mb = new MotionBlur(3, 9);
        for (int i = 0; i < 50; i++)
        {
            var k = mb.SampleKernel(g);
            Assert.True(k.GetLength(0) % 2 == 1 && k.GetLength(0) is >= 3 and <= 9);
            Assert.Equal(1.0, k.Cast<float>().Sum(), 4);
        }
        double beta = Enumerable.Range(0, 4000).Average(_ => Rng.Beta(g, 2, 6));
        Assert.InRange(beta, 0.25 - 0.015, 0.25 + 0.015);
        var gd = new GridDistortion(5, 0.3);
        var knots = gd.SampleKnots(100, g);
        Assert.Equal(0, knots[0]);
        Assert.Equal(100, knots[^1], 9);
        for (int i = 0; i < 5; i++) Assert.InRange(knots[i + 1] - knots[i], 20 * 0.7 / 1.3, 20 * 1.3 / 0.7);
    }

    [Fact]
    public void CombinatorsFollowTheirProbabilities()
    {
        var counts = new int[3];
        var mark = Enumerable.Range(0, 3).Select(i => (ITransform)new Lambda((s, _) => { counts[i]++; return s; })).ToArray();
        var oneOf = new OneOf(mark, [1, 2, 5]);
        var g = new Generator(7);
        var s0 = Sample();
        for (int i = 0; i < 8000; i++) oneOf.Apply(s0, g);
        Assert.InRange(counts[0] / 8000.0, 0.125 - 0.02, 0.125 + 0.02);
        Assert.InRange(counts[2] / 8000.0, 0.625 - 0.02, 0.625 + 0.02);
        Array.Clear(counts);
        var some = new SomeOf(2, mark);
        for (int i = 0; i < 3000; i++) some.Apply(s0, g);
        Assert.Equal(6000, counts.Sum());
        Assert.All(counts, c => Assert.InRange(c, 1800, 2200));
        Array.Clear(counts);
        var ra = new RandomApply(0.3, mark[0]);
        for (int i = 0; i < 5000; i++) ra.Apply(s0, g);
        Assert.InRange(counts[0] / 5000.0, 0.27, 0.33);
    }

    [Fact]
    public void LetterboxMapsDetectionsBack()
    {
        var s = Sample();
        var (r, info) = new Letterbox(64, 64).Run(s);
        Assert.Equal((64, 64), (r.Width, r.Height));
        Assert.Equal((0, 8), (info.PadX, info.PadY)); // 40x30 → 64x48, 8 rows above and below
        Assert.Equal(114, r.Image.Pixels[0]);
        var back = info.ToOriginal(r.Boxes!);
        for (int i = 0; i < 3; i++) for (int k = 0; k < 4; k++) Assert.Equal(s.Boxes![i, k], back[i, k], 3);
    }

    [Fact]
    public void ResizeShorterSideAndRandomResizedCropSizes()
    {
        Assert.Equal((22, 16), new Resize(16).OutputSize(40, 30 - 1));
        var r = new RandomResizedCrop(24, 32).Apply(Sample(), new Generator(1));
        Assert.Equal((32, 24), (r.Width, r.Height));
        var c = new CenterCrop(50).Apply(Sample(), new Generator(0));
        Assert.Equal((50, 50), (c.Width, c.Height));
        AssertBoxesInFrame(c, "center crop with padding");
    }

    [Fact]
    public void PhotometricTransformsKeepTargetsAndAlpha()
    {
        var rgba = Noise(20, 16, ColorSpace.Rgba, 3);
        var s = new AugmentSample(rgba, new float[,] { { 1, 1, 10, 10 } }, [4]);
        ITransform[] ts = [new ColorJitter(0.5, 0.5, 0.5, 0.2), new Gamma(0.5, 2), new GaussianNoise(5, 10), new SaltAndPepper(0.1, 0.2),
            new GaussianBlur(5), new MotionBlur(), new JpegCompression(), new Illumination(0.3, 0.5, 3), new HistogramEqualize(),
            new AutoContrast(), new Posterize(2), new Solarize(100), new Grayscale()];
        foreach (var t in ts)
        {
            var r = t.Apply(s, new Generator(2));
            Assert.Equal((20, 16, ColorSpace.Rgba), (r.Width, r.Height, r.Image.Color));
            Assert.Same(s.Boxes, r.Boxes);
            if (t is not (GaussianBlur)) // the blur filters every channel, like torchvision
                for (int i = 3; i < rgba.Pixels.Length; i += 4) Assert.Equal(rgba.Pixels[i], r.Image.Pixels[i]);
        }
        var gray = ColorOps.Grayscale(Noise(9, 7, ColorSpace.Rgb, 1));
        for (int i = 0; i < gray.Pixels.Length; i += 3) Assert.True(gray.Pixels[i] == gray.Pixels[i + 1] && gray.Pixels[i] == gray.Pixels[i + 2]);
    }

    [Fact]
    public void OcclusionFillsRegions()
    {
        var im = ImageOps.Filled(30, 20, ColorSpace.Rgb, [200, 200, 200]);
        var s = new AugmentSample(im);
        int Zeros(Image x) => x.Pixels.Count(v => v == 0);
        Assert.InRange(Zeros(new Cutout(1, 6).Apply(s, new Generator(1)).Image), 3 * 9, 3 * 36); // a 6x6 hole, possibly cut by the border
        var gm = new GridMask(10, 10, 0.5).Apply(s, new Generator(1)).Image;
        Assert.Equal(3 * 6 * 25, Zeros(gm)); // period 10 on 30x20 → 3x2 cells, 5x5 masked each
        var erased = new RandomErasing(1.0, value: [0]).Apply(s, new Generator(3)).Image;
        Assert.InRange(Zeros(erased) / 3, (int)(0.02 * 600 * 0.5), (int)(0.33 * 600 * 1.3));
    }

    [Fact]
    public void MixUpAndCutMixMixImagesAndLabels()
    {
        var images = Tensor.FromArray(Enumerable.Range(0, 3 * 2 * 4 * 5).Select(i => (float)(i / 40)).ToArray(), 3, 2, 4, 5); // image i is all i
        var labels = Tensor.FromArray(new long[] { 0, 2, 1 }, 3);
        var (mixed, soft, lambda) = new MixUp(4, 0.4).Apply(images, labels, new Generator(5));
        var m = mixed.ToArray<float>();
        var t = soft.ToArray<float>();
        Assert.Equal(lambda * 1 + (1 - lambda) * 0, m[40], 5); // image 1 mixes with image 0
        Assert.Equal(lambda, t[1 * 4 + 2], 5);
        Assert.Equal(1 - lambda, t[1 * 4 + 0], 5);
        for (int i = 0; i < 3; i++) Assert.Equal(1.0, t.Skip(i * 4).Take(4).Sum(), 5);

        var (cm, cs, box, lam) = new CutMix(4).Apply(images, labels, new Generator(6));
        var c = cm.ToArray<float>();
        int pasted = 0;
        for (int k = 0; k < 20; k++) if (c[40 + k] == 0f) pasted++; // image 1, channel 0
        Assert.Equal((box.X2 - box.X1) * (box.Y2 - box.Y1), pasted);
        Assert.Equal(1 - pasted / 20.0, lam, 9);
        Assert.Equal(lam, cs.ToArray<float>()[1 * 4 + 2], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MixUp(2).Apply(images, labels, new Generator(0)));
    }

    [Fact]
    public void TtaMergesFlipsAndCrops()
    {
        var batch = Tensor.FromArray(Enumerable.Range(0, 2 * 1 * 6 * 8).Select(i => (float)Math.Sin(i)).ToArray(), 2, 1, 6, 8);
        // A flip-invariant model (global mean per image) gives the same answer with or without TTA.
        Tensor Model(Tensor x) => x.Mean([1, 2, 3]).Reshape(x.Size(0), 1);
        using var plain = Model(batch);
        using var tta = Tta.Predict(Model, batch, TtaMode.Identity | TtaMode.HorizontalFlip | TtaMode.VerticalFlip);
        Fixture.AssertClose(plain, tta, 1e-6, 0, "TTA mean of flips");
        // A dense identity model: un-flipped views all equal the input.
        using var dense = Tta.Predict(x => x.Clone(), batch, TtaMode.HorizontalFlip | TtaMode.VerticalFlip, TtaMerge.Max, dense: true);
        Fixture.AssertClose(batch, dense, 0, 0, "dense TTA");
        // Five crops of 0.5: the max over crops of each crop's top-left value.
        using var crops = Tta.Predict(x => x.Narrow(2, 0, 1).Narrow(3, 0, 1).Reshape(x.Size(0), 1), batch, TtaMode.FiveCrop, TtaMerge.Max, 0.5);
        var b = batch.ToArray<float>();
        float expected = new[] { (0, 0), (0, 4), (3, 0), (3, 4), (2, 2) }.Max(p => b[p.Item1 * 8 + p.Item2]);
        Assert.Equal(expected, crops.ToArray<float>()[0]);
    }

    [Fact]
    public void PreviewGridHasCellsAndBoxes()
    {
        var s = Sample();
        var grid = AugmentPreview.Grid(s, new HorizontalFlip(), 2, 3, 7, drawBoxes: true);
        Assert.Equal((3 * 40 + 4 * 2, 2 * 30 + 3 * 2, ColorSpace.Rgb), (grid.Width, grid.Height, grid.Color));
        Assert.Equal(grid.Pixels, AugmentPreview.Grid(s, new HorizontalFlip(), 2, 3, 7, drawBoxes: true).Pixels);
        // Cell 0's first box is outlined in label 1's colour (green) at its top-left corner (possibly flipped).
        var cell0 = new HorizontalFlip().Apply(s, new Generator(Generator.Bits(7, 0)));
        int x = 2 + (int)cell0.Boxes![0, 0], y = 2 + (int)cell0.Boxes[0, 1];
        Assert.Equal(new byte[] { 64, 255, 64 }, grid.Pixels.AsSpan((y * grid.Width + x) * 3, 3).ToArray());
        Assert.Equal((3 * 17 + 8, 13 + 4), (AugmentPreview.Grid(Noise(17, 13, ColorSpace.Gray, 1), new Rotate(10), 1, 3, 1).Width, 13 + 4));
    }

    [Fact]
    public void InvalidArgumentsThrow()
    {
        Assert.Throws<ArgumentException>(() => new AugmentSample(Noise(4, 4, ColorSpace.Rgb, 0), new float[,] { { 0, 0, 1, 1 } }, [1, 2]));
        Assert.Throws<ArgumentException>(() => new AugmentSample(Noise(4, 4, ColorSpace.Rgb, 0), mask: Noise(5, 4, ColorSpace.Gray, 0)));
        Assert.Throws<ArgumentException>(() => new OneOf([new HorizontalFlip()], [1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SomeOf(3, new HorizontalFlip()));
        Assert.Throws<ArgumentException>(() => ImageOps.Pad(Noise(4, 4, ColorSpace.Rgb, 0), 4, 0, 0, 0, PadMode.Reflect));
        Assert.Throws<ArgumentOutOfRangeException>(() => ColorOps.Hue(Noise(4, 4, ColorSpace.Rgb, 0), 0.7));
        Assert.Throws<ArgumentException>(() => GeometricOps.Perspective(Sample(), [(0, 0), (1, 1), (2, 2), (3, 3)], [(0, 0), (1, 1), (2, 2), (3, 3)]));
        Assert.Throws<ArgumentException>(() => new RandomCrop(50, 50).Apply(Sample(), new Generator(0)));
    }
}

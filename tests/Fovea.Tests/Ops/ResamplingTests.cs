// Interpolation, pixel shuffle, affine grids and grid sampling against PyTorch 1.13
// (tools/fixtures/gen_resampling.py), finite differences in float64, and bad input.
using Fovea.Autograd;
using Fovea.Random;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class ResamplingTests
{
    private static Tensor Apply(string name, Tensor[] x)
    {
        bool ac = name.EndsWith("_ac");
        return name switch
        {
            "nearest_up_size" => Tensor.Interpolate(x[0], (8, 9)),
            "nearest_down_size" => Tensor.Interpolate(x[0], (3, 4)),
            "nearest_scale2" => Tensor.Interpolate(x[0], scaleFactor: (2, 2)),
            "nearest_scale_frac" => Tensor.Interpolate(x[0], scaleFactor: (1.7, 2.3)),
            "nearest_1d" => Tensor.Interpolate(x[0], 11),
            "nearest_awkward" => Tensor.Interpolate(x[0], (29, 3)),
            "nearest_exact_awkward" => Tensor.Interpolate(x[0], scaleFactor: (2.1, 0.43), mode: "nearest-exact"),
            "nearest_exact_up" => Tensor.Interpolate(x[0], (8, 9), mode: "nearest-exact"),
            "nearest_exact_scale" => Tensor.Interpolate(x[0], scaleFactor: (1.5, 0.7), mode: "nearest-exact"),
            "nearest_exact_1d" => Tensor.Interpolate(x[0], scaleFactor: (1, 0.6), mode: "nearest-exact"),
            "bilinear_up_hp" or "bilinear_up_ac" => Tensor.Interpolate(x[0], (8, 11), mode: "bilinear", alignCorners: ac),
            "bilinear_down_hp" or "bilinear_down_ac" => Tensor.Interpolate(x[0], (3, 4), mode: "bilinear", alignCorners: ac),
            "bilinear_scale_hp" or "bilinear_scale_ac" => Tensor.Interpolate(x[0], scaleFactor: (1.5, 2.5), mode: "bilinear", alignCorners: ac),
            "bilinear_to1_hp" or "bilinear_to1_ac" => Tensor.Interpolate(x[0], 1, mode: "bilinear", alignCorners: ac),
            "bicubic_up_hp" or "bicubic_up_ac" => Tensor.Interpolate(x[0], (8, 11), mode: "bicubic", alignCorners: ac),
            "bicubic_down_hp" or "bicubic_down_ac" => Tensor.Interpolate(x[0], (3, 4), mode: "bicubic", alignCorners: ac),
            "bicubic_scale_hp" or "bicubic_scale_ac" => Tensor.Interpolate(x[0], scaleFactor: (1.7, 0.6), mode: "bicubic", alignCorners: ac),
            "linear_up_hp" or "linear_up_ac" => Tensor.Interpolate(x[0], 12, mode: "linear", alignCorners: ac),
            "linear_down_hp" or "linear_down_ac" => Tensor.Interpolate(x[0], 4, mode: "linear", alignCorners: ac),
            "linear_scale_hp" or "linear_scale_ac" => Tensor.Interpolate(x[0], scaleFactor: (1.5, 1.5), mode: "linear", alignCorners: ac),
            "bilinear_same_size_scale" => Tensor.Interpolate(x[0], scaleFactor: (1.1, 1.1), mode: "bilinear"),
            "bicubic_same_size_scale" => Tensor.Interpolate(x[0], scaleFactor: (1.1, 1.1), mode: "bicubic"),
            "bilinear_f64" => Tensor.Interpolate(x[0], (7, 3), mode: "bilinear"),
            "bicubic_f64" => Tensor.Interpolate(x[0], scaleFactor: (2.5, 1.5), mode: "bicubic", alignCorners: true),
            "area_size" => Tensor.Interpolate(x[0], (3, 4), mode: "area"),
            "area_scale" => Tensor.Interpolate(x[0], scaleFactor: (0.5, 0.7), mode: "area"),
            "area_1d" => Tensor.Interpolate(x[0], 4, mode: "area"),
            "pixel_shuffle" => Tensor.PixelShuffle(x[0], 2),
            "pixel_shuffle_batch5d" => Tensor.PixelShuffle(x[0], 3),
            "pixel_unshuffle" => Tensor.PixelUnshuffle(x[0], 2),
            "affine_grid_hp" or "affine_grid_ac" => Tensor.AffineGrid(x[0], [2, 3, 4, 5], ac),
            "grid_sample_reflection_far_hp" or "grid_sample_reflection_far_ac" => Tensor.GridSample(x[0], x[1], paddingMode: "reflection", alignCorners: ac),
            "affine_then_sample" => Tensor.GridSample(x[0], Tensor.AffineGrid(x[1], [2, 3, 6, 4])),
            _ when name.StartsWith("grid_sample_") => Tensor.GridSample(x[0], x[1], name.Split('_')[2], name.Split('_')[3], ac),
            _ => throw new ArgumentException($"no mapping for fixture {name}"),
        };
    }

    public static TheoryData<string> Cases => new(Fixture.Cases("resampling"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("resampling/" + name);
        var inputs = f.Keys.Where(k => k.StartsWith('x')).Order()
            .Select(k => DTypes.IsFloatingPoint(f[k].DType) ? f[k].RequiresGrad_() : f[k]).ToArray();
        var y = Apply(name, inputs);
        Fixture.AssertClose(f["out"], y, 1e-5, 1e-5, name + " forward");
        if (!f.ContainsKey("gout")) return; // forward-only fixture
        y.Backward(f["gout"]);
        for (int i = 0; i < inputs.Length; i++)
            if (f.TryGetValue($"grad_x{i}", out var g))
                Fixture.AssertClose(g, inputs[i].Grad!, 2e-5, 1e-5, $"{name} grad x{i}");
    }

    public static TheoryData<string> GradCases => new(["nearest", "nearest_exact", "bilinear", "bilinear_ac", "bicubic", "bicubic_ac", "linear", "area", "pixel_shuffle", "pixel_unshuffle",
        "grid_bilinear_zeros", "grid_bilinear_border_ac", "grid_bilinear_reflection", "grid_bilinear_reflection_ac", "grid_nearest_zeros", "affine_grid"]);

    private static Tensor GradFn(string name, Tensor x) => name switch
    {
        "nearest" => Tensor.Interpolate(x, (9, 4)),
        "nearest_exact" => Tensor.Interpolate(x, scaleFactor: (1.4, 0.8), mode: "nearest-exact"),
        "bilinear" => Tensor.Interpolate(x, (9, 4), mode: "bilinear"),
        "bilinear_ac" => Tensor.Interpolate(x, scaleFactor: (1.6, 0.7), mode: "bilinear", alignCorners: true),
        "bicubic" => Tensor.Interpolate(x, (9, 4), mode: "bicubic"),
        "bicubic_ac" => Tensor.Interpolate(x, (3, 8), mode: "bicubic", alignCorners: true),
        "linear" => Tensor.Interpolate(x.Flatten(2), 17, mode: "linear"),
        "area" => Tensor.Interpolate(x, (4, 3), mode: "area"),
        "pixel_shuffle" => Tensor.PixelShuffle(x.Reshape(3, 4, 3, 5), 2),
        "pixel_unshuffle" => Tensor.PixelUnshuffle(x.Reshape(3, 2, 6, 5).Narrow(3, 0, 4), 2),
        "affine_grid" => Tensor.AffineGrid(x.Flatten().Narrow(0, 0, 12).Reshape(2, 2, 3), [2, 1, 3, 4]),
        _ when name.StartsWith("grid_") => SampleWithGrid(x, name.Split('_')[1], name.Split('_')[2], name.EndsWith("_ac")),
        _ => throw new ArgumentException(name),
    };

    // Samples the first 2 images (2 channels of 6x5 each) at a grid made of the input's last elements scaled to
    // [-1.5, 1.5], so both the image and the grid gradients are checked.
    private static Tensor SampleWithGrid(Tensor x, string mode, string padding, bool alignCorners)
    {
        var img = x.Narrow(1, 0, 2);
        var grid = x.Narrow(1, 2, 1).Flatten(1).Narrow(1, 0, 24).Reshape(2, 3, 4, 2).Tanh() * 1.5;
        return Tensor.GridSample(img, grid, mode, padding, alignCorners);
    }

    [Theory]
    [MemberData(nameof(GradCases))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        // A transposed (non-contiguous) input of shape (2, 3, 6, 5).
        var x = Tensor.Randn([2, 3, 5, 6], DType.Float64, new Generator(4)).Transpose(2, 3).Detach().RequiresGrad_();
        Assert.False(x.IsContiguous);
        Assert.Null(GradCheck.Check(t => GradFn(name, t[0]), [x]));
    }

    [Fact]
    public void IdentityAffineGridSamplesTheImage()
    {
        var x = Tensor.Randn([2, 3, 5, 7], generator: new Generator(6));
        var theta = Tensor.FromArray(new float[] { 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0 }, 2, 2, 3);
        foreach (bool ac in new[] { false, true })
            Fixture.AssertClose(x, Tensor.GridSample(x, Tensor.AffineGrid(theta, [2, 3, 5, 7], ac), alignCorners: ac), 1e-5, 1e-5, $"identity warp ac={ac}");
    }

    [Fact]
    public void PixelUnshuffleInvertsPixelShuffle()
    {
        var x = Tensor.Randn([2, 18, 3, 4], generator: new Generator(2));
        Assert.Equal(x.ToArray<float>(), Tensor.PixelUnshuffle(Tensor.PixelShuffle(x, 3), 3).ToArray<float>());
    }

    [Fact]
    public void ResultsDoNotDependOnThreadCount()
    {
        var x = Tensor.Randn([3, 5, 9, 11], generator: new Generator(1)).RequiresGrad_();
        Threads.AssertSameForAnyCount(() =>
        {
            x.Grad = null;
            var y = Tensor.Interpolate(x, (20, 17), mode: "bicubic");
            y.Square().Sum().Backward();
            return y.ToArray<float>().Concat(x.Grad!.ToArray<float>()).ToArray();
        });
    }

    [Fact]
    public void BadArgumentsNameTheProblem()
    {
        var x = Tensor.Zeros([1, 2, 4, 4]);
        Assert.Contains("needs a 4-d (N, C, H, W) input", Assert.Throws<ArgumentException>(() => Tensor.Interpolate(Tensor.Zeros([1, 2, 4]), 8, mode: "bilinear")).Message);
        Assert.Contains("needs a 3-d (N, C, L) input", Assert.Throws<ArgumentException>(() => Tensor.Interpolate(x, 8, mode: "linear")).Message);
        Assert.Contains("alignCorners can only be set", Assert.Throws<ArgumentException>(() => Tensor.Interpolate(x, 8, alignCorners: true)).Message);
        Assert.Contains("exactly one of size and scaleFactor", Assert.Throws<ArgumentException>(() => Tensor.Interpolate(x)).Message);
        Assert.Contains("unknown mode 'trilinear'", Assert.Throws<ArgumentException>(() => Tensor.Interpolate(x, 8, mode: "trilinear")).Message);
        var small = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Interpolate(x, scaleFactor: (0.2, 1), mode: "bilinear")).Message;
        Assert.Contains("output size must be > 0", small);
        Assert.Contains("(1, 2, 4, 4)", small);
        Assert.Contains("grid must be (1, OH, OW, 2)", Assert.Throws<ArgumentException>(() => Tensor.GridSample(x, Tensor.Zeros([1, 3, 3, 3]))).Message);
        Assert.Contains("paddingMode must be", Assert.Throws<ArgumentException>(() => Tensor.GridSample(x, Tensor.Zeros([1, 3, 3, 2]), paddingMode: "wrap")).Message);
        Assert.Contains("theta must have shape (1, 2, 3)", Assert.Throws<ArgumentException>(() => Tensor.AffineGrid(Tensor.Zeros([2, 2, 3]), [1, 3, 4, 4])).Message);
        Assert.Contains("divisible by upscaleFactor^2 = 4", Assert.Throws<ArgumentException>(() => Tensor.PixelShuffle(Tensor.Zeros([1, 6, 2, 2]), 2)).Message);
        Assert.Contains("must be divisible by downscaleFactor 3", Assert.Throws<ArgumentException>(() => Tensor.PixelUnshuffle(x, 3)).Message);
    }
}

// Non-local block (Wang et al. 2018, "Non-local Neural Networks"): every position attends to every other position,
// z = W(softmax(theta(x)^T phi(x)) g(x)) + x. Parameter names follow the common PyTorch port (g, theta, phi, W,
// concat_project); W ends in a zero-initialised batch norm (or is a zero conv) so a new block starts as the identity.
namespace Fovea.NN;

/// <summary>
/// A 2-d non-local block over (N, C, H, W). Modes (how the pairwise affinity f(x_i, x_j) is formed):
/// "embedded_gaussian" softmax(theta_i . phi_j), "gaussian" softmax(x_i . x_j), "dot_product" theta_i . phi_j / HW,
/// "concatenation" relu(w . [theta_i; phi_j]) / HW.
/// <example><code>var block = new NonLocal2d(256);   // inter channels 128, embedded Gaussian, W = conv + zero BN</code></example>
/// </summary>
public sealed class NonLocal2d : Module
{
    private static readonly string[] Modes = ["embedded_gaussian", "gaussian", "dot_product", "concatenation"];

    /// <param name="channels">Channels C of the input and output.</param>
    /// <param name="interChannels">Width of the embeddings theta, phi, g; default max(1, C / 2).</param>
    /// <param name="mode">"embedded_gaussian", "gaussian", "dot_product" or "concatenation".</param>
    /// <param name="batchNorm">W is conv + BatchNorm2d (BN weight and bias zero) if true, else a zero-initialised conv.</param>
    /// <param name="dtype">Parameter dtype.</param>
    public NonLocal2d(int channels, int? interChannels = null, string mode = "embedded_gaussian", bool batchNorm = true, DType dtype = DType.Float32)
    {
        if (!Modes.Contains(mode)) throw new ArgumentException($"NonLocal2d: mode must be one of {string.Join(", ", Modes)}, got \"{mode}\".", nameof(mode));
        int inter = interChannels ?? Math.Max(1, channels / 2);
        if (channels <= 0 || inter <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"NonLocal2d: channels must be positive, got channels {channels}, inter_channels {inter}.");
        Channels = channels;
        InterChannels = inter;
        Mode = mode;
        RegisterModule("g", new Conv2d(channels, inter, 1, dtype: dtype));
        if (mode != "gaussian")
        {
            RegisterModule("theta", new Conv2d(channels, inter, 1, dtype: dtype));
            RegisterModule("phi", new Conv2d(channels, inter, 1, dtype: dtype));
        }
        var w = new Conv2d(inter, channels, 1, dtype: dtype);
        if (batchNorm)
        {
            var bn = new BatchNorm2d(channels, dtype: dtype);
            Init.Zeros(bn.Weight!);
            RegisterModule("W", new Sequential(w, bn));
        }
        else
        {
            Init.Zeros(w.Weight);
            Init.Zeros(w.Bias!);
            RegisterModule("W", w);
        }
        if (mode == "concatenation")
            RegisterModule("concat_project", new Sequential(new Conv2d(2 * inter, 1, 1, bias: false, dtype: dtype), new ReLU()));
    }

    public int Channels { get; }
    public int InterChannels { get; }
    public string Mode { get; }

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4 || input.Size(1) != Channels)
            throw new ArgumentException($"NonLocal2d({Channels}): expected input (N, {Channels}, H, W), got shape {input.Shape}.", nameof(input));
        int n = input.Size(0), h = input.Size(2), w = input.Size(3);
        var g = Positions(GetSubmodule("g").Call(input));   // (N, HW, inter)
        var f = Affinity(input);                             // (N, HW, HW), row-normalised
        var y = Tensor.MatMul(f, g).Transpose(1, 2).Reshape(n, InterChannels, h, w);
        return GetSubmodule("W").Call(y) + input;
    }

    /// <summary>The normalised pairwise affinities f(x_i, x_j) / C(x), shape (N, HW, HW); row i sums the weights of position i.</summary>
    public Tensor Affinity(Tensor input)
    {
        if (Mode == "gaussian") { var xs = Positions(input); return Tensor.MatMul(xs, xs.MT).Softmax(-1); }
        var theta = Positions(GetSubmodule("theta").Call(input));
        var phi = Positions(GetSubmodule("phi").Call(input));
        int hw = theta.Size(1);
        if (Mode == "embedded_gaussian") return Tensor.MatMul(theta, phi.MT).Softmax(-1);
        if (Mode == "dot_product") return Tensor.MatMul(theta, phi.MT) / hw;
        // concatenation: [theta_i; phi_j] for every pair (i, j), projected to one channel.
        int n = theta.Size(0), c = theta.Size(2);
        var ti = theta.MT.Unsqueeze(3).Expand(n, c, hw, hw);
        var pj = phi.MT.Unsqueeze(2).Expand(n, c, hw, hw);
        var pairs = Tensor.Cat([ti, pj], 1);
        return GetSubmodule("concat_project").Call(pairs).Squeeze(1) / hw;
    }

    /// <summary>(N, C, H, W) -> (N, HW, C): one row per position.</summary>
    private static Tensor Positions(Tensor x) => x.Flatten(2).Transpose(1, 2);

    protected override string ExtraRepr() => $"{Channels}, inter_channels={InterChannels}, mode={Mode}";
}

// The transform interface and the combinators that build pipelines from transforms: Compose, OneOf, SomeOf,
// RandomApply. Every random choice is drawn from the generator passed to Apply, so a seed fixes the output.
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>An augmentation: maps a sample to a new sample, drawing any randomness from <paramref name="g"/>.</summary>
public interface ITransform
{
    /// <summary>Transforms <paramref name="s"/> (which is left unchanged) and returns the result.</summary>
    AugmentSample Apply(AugmentSample s, Generator g);
}

/// <summary>Applies transforms one after the other.</summary>
public sealed class Compose(params ITransform[] transforms) : ITransform
{
    /// <summary>The transforms, in order.</summary>
    public IReadOnlyList<ITransform> Transforms { get; } = transforms;

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        foreach (var t in Transforms) s = t.Apply(s, g);
        return s;
    }
}

/// <summary>Applies exactly one of the transforms, chosen with probability proportional to its weight.</summary>
public sealed class OneOf : ITransform
{
    private readonly ITransform[] _transforms;
    private readonly double[] _weights;

    /// <summary>Equal weights.</summary>
    public OneOf(params ITransform[] transforms) : this(transforms, null) { }

    /// <summary>Weights (non-negative, positive sum) default to equal.</summary>
    public OneOf(ITransform[] transforms, double[]? weights)
    {
        if (transforms.Length == 0) throw new ArgumentException("OneOf: needs at least one transform.");
        weights ??= Enumerable.Repeat(1.0, transforms.Length).ToArray();
        if (weights.Length != transforms.Length) throw new ArgumentException($"OneOf: {weights.Length} weights for {transforms.Length} transforms.");
        if (weights.Any(w => w < 0 || !double.IsFinite(w)) || weights.Sum() <= 0) throw new ArgumentException("OneOf: weights must be finite, non-negative and not all zero.");
        _transforms = transforms;
        _weights = weights;
    }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => _transforms[Rng.Choice(g, _weights)].Apply(s, g);
}

/// <summary>Applies <c>n</c> distinct transforms chosen uniformly at random, in random order.</summary>
public sealed class SomeOf : ITransform
{
    private readonly ITransform[] _transforms;
    private readonly int _n;

    public SomeOf(int n, params ITransform[] transforms)
    {
        if (n < 0 || n > transforms.Length) throw new ArgumentOutOfRangeException(nameof(n), $"SomeOf: n must be in [0, {transforms.Length}], got {n}.");
        _n = n;
        _transforms = transforms;
    }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        var order = Rng.Permutation(g, _transforms.Length);
        for (int i = 0; i < _n; i++) s = _transforms[order[i]].Apply(s, g);
        return s;
    }
}

/// <summary>Applies the transform (a <see cref="Compose"/> of several) with probability <c>p</c>.</summary>
public sealed class RandomApply : ITransform
{
    private readonly ITransform _transform;
    private readonly double _p;

    public RandomApply(double p, params ITransform[] transforms)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), $"RandomApply: p must be in [0, 1], got {p}.");
        _p = p;
        _transform = transforms.Length == 1 ? transforms[0] : new Compose(transforms);
    }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => g.NextDouble() < _p ? _transform.Apply(s, g) : s;
}

/// <summary>Wraps a function as a transform.</summary>
public sealed class Lambda(Func<AugmentSample, Generator, AugmentSample> f) : ITransform
{
    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => f(s, g);
}

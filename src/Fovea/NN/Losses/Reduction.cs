// How a loss combines its per-element values (torch's reduction argument).
namespace Fovea.NN;

public enum Reduction { None, Mean, Sum }

internal static class ReductionExtensions
{
    public static Tensor Apply(this Reduction r, Tensor loss) => r switch
    {
        Reduction.None => loss,
        Reduction.Sum => loss.Sum(),
        _ => loss.Mean(),
    };
}

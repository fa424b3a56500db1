// Scalar special functions .NET's Math lacks. Accurate to about 1e-15 relative in double precision.
namespace Fovea.Kernels.Cpu;

internal static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;

    /// <summary>The error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // Maclaurin series; terms grow to at most ~20 for |x| < 2.5, so at most ~2 digits are lost.
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return TwoOverSqrtPi * sum;
        }
        double r = 1 - Erfc(ax);
        return x < 0 ? -r : r;
    }

    /// <summary>erfc(x) for x >= 2.5 by the continued fraction erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).</summary>
    private static double Erfc(double x)
    {
        if (x > 27) return 0;
        double f = x;
        for (int k = 80; k >= 1; k--) f = x + k / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}

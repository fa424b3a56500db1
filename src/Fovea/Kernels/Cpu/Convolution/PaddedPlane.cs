// Zero-padded copies of image planes, the layout the implicit GEMM reads without bounds checks (ImplicitGemm.cs; split
// into stride phase planes when strided).
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fovea.Kernels.Cpu;

internal static unsafe class PaddedPlane
{
    // Lane indices 0, 2, ..., 30: the even floats of two vectors (PermuteVar16x32x2), a stride-2 row's samples.
    private static readonly Vector512<int> Evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);

    /// <summary>
    /// The zero-padded copy of one (h, w) plane (top and left padding; zeros up to the planes' end on the other sides),
    /// split into sh x sw phase planes of (ph, pw): padded (r, c) goes to phase (r % sh, c % sw) at (r / sh, c / sw).
    /// </summary>
    public static void Copy(float* x, int h, int w, int top, int left, int sh, int sw, float* dst, int ph, int pw)
    {
        long phase = (long)ph * pw;
        if (sh == 1 && sw == 1 && Avx512F.IsSupported)
        {
            // Row by row, in registers (short rows make library copies and clears mostly call overhead).
            for (int pr = 0; pr < ph; pr++)
            {
                float* row = dst + (long)pr * pw;
                if (pr < top || pr >= top + h)
                {
                    Fill(row, pw, null);
                    continue;
                }
                Fill(row, left, null);
                Fill(row + left, w, x + (long)(pr - top) * w);
                Fill(row + left + w, pw - left - w, null);
            }
            return;
        }
        if (sh == 1 && sw == 1)
        {
            new Span<float>(dst, top * pw).Clear();
            new Span<float>(dst + (long)(top + h) * pw, (int)(phase - (long)(top + h) * pw)).Clear();
            for (int r = 0; r < h; r++)
            {
                float* row = dst + (long)(top + r) * pw;
                new Span<float>(row, left).Clear();
                new ReadOnlySpan<float>(x + (long)r * w, w).CopyTo(new Span<float>(row + left, w));
                new Span<float>(row + left + w, pw - left - w).Clear();
            }
            return;
        }
        new Span<float>(dst, (int)(phase * sh * sw)).Clear();
        for (int r = 0; r < h; r++)
        {
            int pr = r + top;
            float* phaseRow = dst + (long)(pr % sh) * sw * phase + (long)(pr / sh) * pw;
            float* src = x + (long)r * w;
            int c = 0;
            if (sw == 2 && Avx512F.IsSupported)
            {
                // Even source columns go to phase left % 2 from column left / 2, odd ones to the other phase from
                // (left + 1) / 2: 32 columns at a time, deinterleaved in registers.
                float* even = phaseRow + (left % 2) * phase + left / 2, odd = phaseRow + ((left + 1) % 2) * phase + (left + 1) / 2;
                var odds = Evens + Vector512<int>.One;
                for (; c + 32 <= w; c += 32)
                {
                    var lo = Vector512.Load(src + c);
                    var hi = Vector512.Load(src + c + 16);
                    Avx512F.PermuteVar16x32x2(lo, Evens, hi).Store(even + c / 2);
                    Avx512F.PermuteVar16x32x2(lo, odds, hi).Store(odd + c / 2);
                }
                if (c < w)
                {
                    // The last (fewer than 32) columns: masked loads and stores.
                    int rest = w - c;
                    var lo = Avx512F.MaskLoad(src + c, LaneMask.First(rest), Vector512<float>.Zero);
                    var hi = Avx512F.MaskLoad(src + c + 16, LaneMask.First(rest - 16), Vector512<float>.Zero);
                    Avx512F.MaskStore(even + c / 2, LaneMask.First((rest + 1) / 2), Avx512F.PermuteVar16x32x2(lo, Evens, hi));
                    Avx512F.MaskStore(odd + c / 2, LaneMask.First(rest / 2), Avx512F.PermuteVar16x32x2(lo, odds, hi));
                    c = w;
                }
            }
            for (; c < w; c++)
            {
                int pc = c + left;
                phaseRow[(pc % sw) * phase + pc / sw] = src[c];
            }
        }
    }

    // dst[0, n) = src[0, n), or zeros when src is null: whole vectors, then the last lanes masked (a mask only there:
    // masked moves in the main loop cost several times a plain one).
    private static void Fill(float* dst, int n, float* src)
    {
        int j = 0;
        for (; j + 16 <= n; j += 16) (src == null ? Vector512<float>.Zero : Vector512.Load(src + j)).Store(dst + j);
        if (j == n) return;
        var mask = LaneMask.First(n - j);
        Avx512F.MaskStore(dst + j, mask, src == null ? Vector512<float>.Zero : Avx512F.MaskLoad(src + j, mask, Vector512<float>.Zero));
    }
}

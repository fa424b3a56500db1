// Splits row-wise elementwise work into chunks whose boundaries depend only on the data's size, never on the
// thread count, so every result is bitwise identical however many threads run it.
namespace Fovea.Kernels.Cpu;

internal static class RowParallel
{
    /// <summary>Elements per chunk below which splitting costs more than it saves.</summary>
    public const int Grain = 1 << 15;

    /// <summary>Calls body(r0, r1) over [0, rows) in chunks of about <see cref="Grain"/> elements.</summary>
    public static void For(int rows, int rowLength, Action<int, int> body)
    {
        if (rows == 0) return;
        long total = (long)rows * Math.Max(rowLength, 1);
        int rowsPerChunk = (int)Math.Max(1, Grain / Math.Max(rowLength, 1));
        int chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        if (chunks == 1 || total < 2 * Grain)
        {
            body(0, rows);
            return;
        }
        Fovea.Runtime.Threading.WorkerPool.For(chunks, c => body(c * rowsPerChunk, Math.Min(rows, (c + 1) * rowsPerChunk)));
    }

    /// <summary>
    /// Calls body(row, start, count) over every row of <paramref name="rows"/> x <paramref name="rowLength"/>
    /// elements, splitting long rows into segments of about <see cref="Grain"/> elements so that even a single
    /// contiguous row (a whole tensor after dimension merging) runs on every thread. Segment boundaries depend only
    /// on the sizes.
    /// </summary>
    public static void ForSegments(int rows, int rowLength, Action<int, int, int> body)
    {
        if (rows == 0 || rowLength == 0) return;
        if (rowLength <= Grain)
        {
            For(rows, rowLength, (r0, r1) => { for (int r = r0; r < r1; r++) body(r, 0, rowLength); });
            return;
        }
        int segments = (rowLength + Grain - 1) / Grain, per = (rowLength + segments - 1) / segments;
        Fovea.Runtime.Threading.WorkerPool.For(rows * segments, t =>
        {
            int r = t / segments, start = t % segments * per;
            body(r, start, Math.Min(per, rowLength - start));
        });
    }
}

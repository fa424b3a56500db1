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
}

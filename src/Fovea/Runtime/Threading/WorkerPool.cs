// Interim serial pool; replaced by the persistent worker pool from the gemm branch.
namespace Fovea.Runtime.Threading;

public static class WorkerPool
{
    public static int ThreadCount { get; set; } = 1;

    public static void For(int count, Action<int> body)
    {
        for (int i = 0; i < count; i++) body(i);
    }
}

// Running test code under a given worker-pool size, for the determinism tests (results bitwise identical for any
// thread count).
using Fovea.Runtime.Threading;
using Xunit;

namespace Fovea.Tests.Oracle;

public static class Threads
{
    /// <summary>Runs <paramref name="f"/> with <paramref name="threads"/> worker threads, restoring the pool size after.</summary>
    public static T With<T>(int threads, Func<T> f)
    {
        int old = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = threads;
            return f();
        }
        finally { WorkerPool.ThreadCount = old; }
    }

    /// <summary>Asserts that <paramref name="f"/> gives bitwise-identical results with 1 and with 3 threads.</summary>
    public static void AssertSameForAnyCount<T>(Func<T[]> f) => Assert.Equal(With(1, f), With(3, f));
}

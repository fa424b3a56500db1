// The worker pool runs every index once, propagates exceptions, and handles nested and concurrent calls.
using Fovea.Runtime.Threading;
using Xunit;

namespace Fovea.Tests.Runtime;

public class WorkerPoolTests
{
    [Fact]
    public void EveryIndexRunsExactlyOnce()
    {
        // Short lists go out index by index, long ones in runs of consecutive indices (with a remainder here).
        foreach (int count in new[] { 1, 7, 127, 128, 1001, 10_000 })
        {
            var hits = new int[count];
            WorkerPool.For(hits.Length, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
        int sum = 0;
        WorkerPool.ForRange(1003, 100, (s, e) => Interlocked.Add(ref sum, e - s));
        Assert.Equal(1003, sum);
    }

    [Fact]
    public void ExceptionsPropagateToTheCaller()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => WorkerPool.For(100, i => { if (i == 37) throw new InvalidOperationException("boom 37"); }));
        Assert.Equal("boom 37", ex.Message);
        int count = 0;
        WorkerPool.For(50, _ => Interlocked.Increment(ref count)); // the pool still works
        Assert.Equal(50, count);
    }

    [Fact]
    public async Task NestedAndConcurrentCallsComplete()
    {
        int total = 0;
        WorkerPool.For(8, _ => WorkerPool.For(8, _ => Interlocked.Increment(ref total)));
        Assert.Equal(64, total);
        int other = 0;
        var tasks = Enumerable.Range(0, 4).Select(_ => Task.Run(() => WorkerPool.For(1000, _ => Interlocked.Increment(ref other)))).ToArray();
        await Task.WhenAll(tasks);
        Assert.Equal(4000, other);
    }

    [Fact]
    public void ThreadCountMustBePositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.ThreadCount = 0);
        Assert.True(WorkerPool.ThreadCount >= 1);
    }
}

// The buffer pool's retention limit: a full pool makes room for a returned array by letting idle arrays of other sizes
// go (largest first), so one phase's leftovers cannot lock the next phase out of the pool.
using Fovea.Memory;
using Xunit;

namespace Fovea.Tests.Memory;

[Collection(SerialCollection.Name)] // changes the process-wide retention limit
public class BufferPoolTests
{
    [Fact]
    public void AFullPoolEvictsOtherSizesToKeepTheArrayReturned()
    {
        long limit = PoolStats.RetainBytes;
        try
        {
            // 2^20 floats (4 MB) and 2^16 floats (256 KB): distinct size classes.
            var big = BufferPool<float>.Rent(1 << 20);
            var small = BufferPool<float>.Rent(1 << 16);
            PoolStats.RetainBytes = PoolStats.RetainedBytes + (4L << 20);   // room for the big array only
            BufferPool<float>.Return(big);
            BufferPool<float>.Return(small);
            Assert.True(PoolStats.RetainedBytes <= PoolStats.RetainBytes, "over the limit");
            Assert.Same(small, BufferPool<float>.Rent(1 << 16));            // kept: an idle larger array made room
        }
        finally
        {
            PoolStats.RetainBytes = limit;
        }
    }
}

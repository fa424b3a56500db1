// The data loader gives the same batches, in the same order, for any number of workers; shuffles per epoch
// reproducibly; stops its workers when left early; and reports bad samples instead of dropping them silently.
using Fovea.Data;
using Fovea.Memory;
using Fovea.Random;
using Xunit;

namespace Fovea.Tests.Data;

public class LoaderTests
{
    /// <summary>Sample i is the vector (i, 2i); loading sample i spins a little, varying with i, to mix up worker timing.</summary>
    private sealed class RangeDataset(int count, params int[] bad) : IDataset<Tensor>
    {
        private int _gets;

        public int Count => count;
        public int Gets => Volatile.Read(ref _gets);

        public Tensor Get(int index)
        {
            Interlocked.Increment(ref _gets);
            if (bad.Contains(index)) throw new InvalidDataException($"corrupt record {index}");
            Thread.SpinWait(100 * (index * 7919 % 13));
            return Tensor.From(index, 2 * index);
        }
    }

    // Adds a uniform draw to each sample, so the transform generator's seed shows in the batch values.
    private static Tensor Jitter(Tensor s, int index, Generator g)
    {
        var v = s.ToArray<float>();
        for (int i = 0; i < v.Length; i++) v[i] += (float)g.NextDouble();
        return Tensor.From(v);
    }

    private static List<float[]> Collect(IEnumerable<Tensor> batches)
    {
        var list = new List<float[]>();
        foreach (var b in batches)
        {
            list.Add(b.ToArray<float>());
            b.Dispose();
        }
        return list;
    }

    private static DataLoader<Tensor, Tensor> Loader(IDataset<Tensor> ds, int workers, int batchSize = 4, bool shuffle = true, bool dropLast = false,
        ulong seed = 7, bool skipBad = false, int prefetch = 2) =>
        new(ds, batchSize, Collate.Stack, shuffle: shuffle, dropLast: dropLast, numWorkers: workers, prefetch: prefetch, seed: seed,
            transform: Jitter, skipBadSamples: skipBad);

    [Fact]
    public void BatchesAreIdenticalForAnyWorkerCount()
    {
        var ds = new RangeDataset(53);
        var reference = Collect(Loader(ds, 0).Epoch(3));
        Assert.Equal(14, reference.Count);
        foreach (int workers in new[] { 1, 3 })
            foreach (int prefetch in new[] { 1, 4 })
            {
                var got = Collect(Loader(ds, workers, prefetch: prefetch).Epoch(3));
                Assert.Equal(reference.Count, got.Count);
                for (int b = 0; b < got.Count; b++) Assert.Equal(reference[b], got[b]);
            }
        // Every sample appears once: the integer parts of the first column are a permutation.
        var firsts = reference.SelectMany(b => b.Where((_, i) => i % 2 == 0)).Select(v => (int)Math.Floor(v)).Order();
        Assert.Equal(Enumerable.Range(0, 53), firsts);
    }

    [Fact]
    public void DropLastControlsTheShortBatch()
    {
        var ds = new RangeDataset(10);
        var keep = Loader(ds, 2, batchSize: 3, shuffle: false);
        var drop = Loader(ds, 2, batchSize: 3, shuffle: false, dropLast: true);
        Assert.Equal(4, keep.Count);
        Assert.Equal(3, drop.Count);
        Assert.Equal([6, 6, 6, 2], Collect(keep.Epoch(0)).Select(b => b.Length));
        Assert.Equal([6, 6, 6], Collect(drop.Epoch(0)).Select(b => b.Length));
        // In order without shuffling: batch 1 holds samples 3, 4, 5 (plus jitter below 1).
        var second = Collect(keep.Epoch(0))[1];
        Assert.Equal([3, 6, 4, 8, 5, 10], second.Select(v => (int)Math.Floor(v)));
    }

    [Fact]
    public void ShuffleDiffersPerEpochAndRepeatsPerSeed()
    {
        var ds = new RangeDataset(40);
        var loader = Loader(ds, 2);
        var e0 = Collect(loader.Epoch(0));
        var e1 = Collect(loader.Epoch(1));
        Assert.NotEqual(e0.SelectMany(b => b), e1.SelectMany(b => b));
        Assert.Equal(e0.SelectMany(b => b), Collect(Loader(ds, 0).Epoch(0)).SelectMany(b => b));
        Assert.NotEqual(e0.SelectMany(b => b), Collect(Loader(ds, 0, seed: 8).Epoch(0)).SelectMany(b => b));
        // foreach runs epochs 0, 1, ... in turn.
        var fresh = Loader(ds, 1);
        Assert.Equal(e0.SelectMany(b => b), Collect(fresh).SelectMany(b => b));
        Assert.Equal(e1.SelectMany(b => b), Collect(fresh).SelectMany(b => b));
        Assert.Equal(2, fresh.NextEpoch);
    }

    // A generous bound that only a hang exceeds (not a timing check).
    private static async Task Finishes(Task run, string what)
    {
        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))) == run, what);
        await run;
    }

    [Fact]
    public async Task LeavingEarlyStopsWorkersAndReleasesUndeliveredBatches()
    {
        var ds = new RangeDataset(10_000);
        var made = new System.Collections.Concurrent.ConcurrentBag<Tensor>();
        var loader = new DataLoader<Tensor, Tensor>(ds, 8, s => { var t = Tensor.Stack(s); made.Add(t); return t; }, numWorkers: 3, prefetch: 2);
        var delivered = new List<Tensor>();
        var run = Task.Run(() =>
        {
            foreach (var b in loader)
            {
                delivered.Add(b);
                if (delivered.Count == 2) break;
            }
        });
        await Finishes(run, "the loader did not stop after an early break");
        int gets = ds.Gets;
        // At most prefetch x workers batches are claimed beyond those taken, and the workers have exited.
        Assert.InRange(gets, 16, (2 + 2 * 3) * 8);
        Assert.Equal(gets, ds.Gets);
        Assert.All(made.Where(t => !delivered.Any(d => ReferenceEquals(d, t))), t => Assert.True(t.IsDisposed));
        Assert.All(delivered, t => Assert.False(t.IsDisposed));
    }

    [Fact]
    public async Task LeavingEarlyWhileWorkersAreBlockedDoesNotHang()
    {
        var ds = new RangeDataset(1000);
        var loader = Loader(ds, 2, batchSize: 1, prefetch: 1);
        var run = Task.Run(() =>
        {
            using var e = loader.Epoch(0).GetEnumerator();
            Assert.True(e.MoveNext());   // the workers now wait for a free slot
            e.Current.Dispose();
        });
        await Finishes(run, "disposing the enumerator hung");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void BadSamplesAreSkippedAndReported(int workers)
    {
        var ds = new RangeDataset(12, 3, 6, 7);
        var loader = Loader(ds, workers, shuffle: false, skipBad: true);
        var batches = Collect(loader.Epoch(0));
        Assert.Equal([6, 4, 8], batches.Select(b => b.Length));   // batches of 4 minus the bad ones
        var kept = batches.SelectMany(b => b.Where((_, i) => i % 2 == 0)).Select(v => (int)Math.Floor(v));
        Assert.Equal([0, 1, 2, 4, 5, 8, 9, 10, 11], kept);
        Assert.Equal([3, 6, 7], loader.LastEpochErrors.Select(e => e.Index));
        Assert.All(loader.LastEpochErrors, e => Assert.Contains($"corrupt record {e.Index}", e.Message));
        Assert.All(loader.LastEpochErrors, e => Assert.IsType<InvalidDataException>(e.Exception));
    }

    [Fact]
    public void ABatchOfOnlyBadSamplesIsLeftOut()
    {
        var loader = Loader(new RangeDataset(6, 2, 3), 1, batchSize: 2, shuffle: false, skipBad: true);
        Assert.Equal(2, Collect(loader.Epoch(0)).Count);
        Assert.Equal([2, 3], loader.LastEpochErrors.Select(e => e.Index));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void FailuresNameTheSampleAfterEarlierBatchesArrive(int workers)
    {
        var loader = Loader(new RangeDataset(40, 21), workers, shuffle: false);
        int received = 0;
        var ex = Assert.Throws<DataLoaderException>(() =>
        {
            foreach (var b in loader.Epoch(0))
            {
                received++;
                b.Dispose();
            }
        });
        Assert.Equal(5, received);                       // batches 0..4 hold samples 0..19
        Assert.Equal(21, ex.SampleIndex);
        Assert.Equal(5, ex.Batch);
        Assert.Contains("sample 21", ex.Message);
        Assert.IsType<InvalidDataException>(ex.InnerException);
    }

    [Fact]
    public void TransformFailuresNameTheSample()
    {
        var loader = new DataLoader<Tensor, Tensor>(new RangeDataset(10), 3, Collate.Stack, numWorkers: 2,
            transform: (s, i, g) => i == 4 ? throw new InvalidOperationException("bad crop") : s);
        var ex = Assert.Throws<DataLoaderException>(() => Collect(loader.Epoch(0)));
        Assert.Equal(4, ex.SampleIndex);
        Assert.Contains("bad crop", ex.Message);
    }

    [Fact]
    public void ShuffleAndSamplerAreExclusive()
    {
        var ds = new RangeDataset(4);
        Assert.Throws<ArgumentException>(() => new DataLoader<Tensor, Tensor>(ds, 2, Collate.Stack, new SequentialSampler(4), shuffle: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader<Tensor, Tensor>(ds, 0, Collate.Stack));
    }

    [Fact]
    public void SamplerChoosesTheIndices()
    {
        var loader = new DataLoader<Tensor, Tensor>(new RangeDataset(20), 2, Collate.Stack, new SubsetSampler([5, 1, 17]));
        var batches = Collect(loader.Epoch(0));
        Assert.Equal([5, 10, 1, 2], batches[0]);
        Assert.Equal([17, 34], batches[1]);
    }

    [Fact]
    public void InlineBatchesOutliveTheConsumersScope()
    {
        var loader = new DataLoader<Tensor, Tensor>(new RangeDataset(4), 2, Collate.Stack);
        Tensor batch;
        using (TensorScope.Begin()) batch = loader.Epoch(0).First();
        Assert.False(batch.IsDisposed);
        Assert.Equal([0, 0, 1, 2], batch.ToArray<float>());
    }

    [Fact]
    public void CollateHelpers()
    {
        var pairs = new List<(Tensor, int)> { (Tensor.Zeros([1, 2, 2]), 3), (Tensor.Ones([1, 2, 2]), 9) };
        var (images, labels) = Collate.StackLabeled(pairs);
        Assert.Equal([2, 1, 2, 2], images.Shape.ToArray());
        Assert.Equal(DType.Int64, labels.DType);
        Assert.Equal([3L, 9L], labels.ToArray<long>());

        var detections = new List<(Tensor, float[])> { (Tensor.Zeros([3, 4, 5]), [1f, 2, 3, 4]), (Tensor.Zeros([3, 6, 2]), []) };
        var (imgs, targets) = Collate.Detection(detections);
        Assert.Equal([3, 6, 2], imgs[1].Shape.ToArray());
        Assert.Equal(4, targets[0].Length);
        Assert.Empty(targets[1]);
        Assert.Equal(2, Collate.List(detections).Length);
    }
}

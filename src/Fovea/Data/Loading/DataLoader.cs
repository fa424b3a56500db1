// The data loader: turns a dataset into epochs of batches, loading samples on worker threads with bounded
// prefetching. Batches come out in sampler order whatever the number of workers (a reorder buffer), random
// transforms draw from a generator derived from (seed, epoch, position in the epoch) so they do not depend on
// scheduling, and leaving an epoch early stops its workers.
using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Fovea.Memory;
using Fovea.Random;

namespace Fovea.Data;

/// <summary>
/// Iterates a dataset in batches (like torch.utils.data.DataLoader).
/// <example><code>
/// var loader = new DataLoader&lt;(Tensor, int), (Tensor, Tensor)&gt;(train, 128, Collate.StackLabeled,
///     shuffle: true, numWorkers: 2, seed: 1, transform: (s, i, g) => (Flip(s.Item1, g), s.Item2));
/// for (int epoch = 0; epoch &lt; 10; epoch++)
///     foreach (var (x, y) in loader.Epoch(epoch)) { ... }
/// </code></example>
/// Samples are passed to the collate function and are not disposed by the loader; batches the consumer never
/// received (an epoch left early or failed) are disposed when they are <see cref="IDisposable"/> or tuples of them,
/// so the collate function must return tensors it owns (as the <see cref="Collate"/> helpers do).
/// With workers, the dataset's Get, the transform and the collate function run concurrently on several threads.
/// </summary>
public sealed class DataLoader<TSample, TBatch> : IEnumerable<TBatch>, IBatchSource<TBatch>
{
    private readonly IDataset<TSample> _dataset;
    private readonly Func<IReadOnlyList<TSample>, TBatch> _collate;
    private readonly Func<TSample, int, Generator, TSample>? _transform;
    private readonly BatchSampler _batches;
    private List<SampleError> _errors = [];

    /// <summary>
    /// A loader of <paramref name="dataset"/> in batches of <paramref name="batchSize"/>, combined by
    /// <paramref name="collate"/>. Indices come from <paramref name="sampler"/>, or, without one, in order or
    /// shuffled per epoch by <paramref name="seed"/>. <paramref name="numWorkers"/> threads load batches ahead
    /// (0: load on the consumer's thread), each at most <paramref name="prefetch"/> batches ahead.
    /// <paramref name="transform"/>(sample, index, generator) runs on the loading thread with a generator seeded
    /// from (seed, epoch, position in the epoch). With <paramref name="skipBadSamples"/>, samples whose loading or
    /// transform throws are left out of their batch and listed in <see cref="LastEpochErrors"/>; otherwise the
    /// epoch stops with a <see cref="DataLoaderException"/> naming the sample.
    /// </summary>
    public DataLoader(IDataset<TSample> dataset, int batchSize, Func<IReadOnlyList<TSample>, TBatch> collate,
        ISampler? sampler = null, bool shuffle = false, bool dropLast = false, int numWorkers = 0, int prefetch = 2,
        ulong seed = 0, Func<TSample, int, Generator, TSample>? transform = null, bool skipBadSamples = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(collate);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"DataLoader: batchSize must be >= 1, got {batchSize}.");
        if (numWorkers < 0) throw new ArgumentOutOfRangeException(nameof(numWorkers), $"DataLoader: numWorkers must be >= 0, got {numWorkers}.");
        if (prefetch < 1) throw new ArgumentOutOfRangeException(nameof(prefetch), $"DataLoader: prefetch must be >= 1, got {prefetch}.");
        if (sampler != null && shuffle)
            throw new ArgumentException("DataLoader: shuffle cannot be combined with a sampler; let the sampler shuffle.", nameof(shuffle));
        _dataset = dataset;
        _collate = collate;
        _transform = transform;
        Sampler = sampler ?? (shuffle ? new RandomSampler(dataset.Count, seed: seed) : new SequentialSampler(dataset.Count));
        _batches = new BatchSampler(Sampler, batchSize, dropLast);
        NumWorkers = numWorkers;
        Prefetch = prefetch;
        Seed = seed;
        SkipBadSamples = skipBadSamples;
    }

    public ISampler Sampler { get; }
    public int BatchSize => _batches.BatchSize;
    public bool DropLast => _batches.DropLast;
    public int NumWorkers { get; }
    /// <summary>Batches each worker may load ahead of the consumer.</summary>
    public int Prefetch { get; }
    public ulong Seed { get; }
    public bool SkipBadSamples { get; }

    /// <summary>Batches per epoch (fewer come out when skipped samples empty a whole batch).</summary>
    public int Count => _batches.Count;

    /// <summary>The epoch the next <see cref="GetEnumerator"/> runs; each call advances it (set it to resume).</summary>
    public int NextEpoch { get; set; }

    /// <summary>Samples skipped in the most recently started epoch, in the order of their batches.</summary>
    public IReadOnlyList<SampleError> LastEpochErrors => _errors;

    /// <summary>The batches of epoch <paramref name="epoch"/>; each enumeration loads them afresh.</summary>
    public IEnumerable<TBatch> Epoch(int epoch) => Run(epoch);

    /// <summary>Runs epoch <see cref="NextEpoch"/> and advances it.</summary>
    public IEnumerator<TBatch> GetEnumerator() => Epoch(NextEpoch++).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<TBatch> Run(int epoch)
    {
        var errors = new List<SampleError>();
        _errors = errors;
        var plan = _batches.Batches(epoch).ToArray();
        using IBatchSource source = NumWorkers == 0 ? new InlineSource(this, epoch, plan) : new WorkerSource(this, epoch, plan);
        for (int b = 0; b < plan.Length; b++)
        {
            var r = source.Take(b);
            if (r.Errors != null) errors.AddRange(r.Errors);
            if (r.Failure != null) throw r.Failure;
            if (r.HasBatch) yield return r.Batch!;
        }
    }

    // ---------------------------------------------------------------- loading one batch

    private readonly record struct BatchResult(TBatch? Batch, bool HasBatch, List<SampleError>? Errors, DataLoaderException? Failure);

    private BatchResult Produce(int epoch, int batch, int[] indices, CancellationToken cancel)
    {
        var samples = new List<TSample>(indices.Length);
        List<SampleError>? errors = null;
        for (int k = 0; k < indices.Length; k++)
        {
            if (cancel.IsCancellationRequested) return default;
            int index = indices[k];
            try
            {
                samples.Add(Load(index, epoch, (long)batch * BatchSize + k));
            }
            catch (Exception e) when (SkipBadSamples)
            {
                (errors ??= []).Add(new SampleError(index, Describe(e), e));
            }
            catch (Exception e)
            {
                return new(default, false, errors, new DataLoaderException($"DataLoader: sample {index} (epoch {epoch}, batch {batch}) failed: {Describe(e)}", index, epoch, batch, e));
            }
        }
        if (samples.Count == 0) return new(default, false, errors, null);
        try
        {
            return new(_collate(samples), true, errors, null);
        }
        catch (Exception e)
        {
            string which = string.Join(", ", indices.Take(8)) + (indices.Length > 8 ? ", ..." : "");
            return new(default, false, errors, new DataLoaderException($"DataLoader: collating batch {batch} (epoch {epoch}, samples {which}) failed: {Describe(e)}", null, epoch, batch, e));
        }
    }

    private TSample Load(int index, int epoch, long position)
    {
        if ((uint)index >= (uint)_dataset.Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"the sampler gave index {index}, outside the dataset's [0, {_dataset.Count}).");
        var sample = _dataset.Get(index);
        if (_transform == null) return sample;
        return _transform(sample, index, new Generator(Seeds.Derive(Seed, Seeds.TransformStream, epoch, position)));
    }

    private static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message}";

    // Releases a batch nobody received: IDisposable batches, and the IDisposable items of tuples.
    private static void Release(object? batch)
    {
        if (batch is IDisposable d) d.Dispose();
        else if (batch is ITuple t)
            for (int i = 0; i < t.Length; i++) Release(t[i]);
    }

    // ---------------------------------------------------------------- where batches come from

    private interface IBatchSource : IDisposable
    {
        /// <summary>Batch <paramref name="batch"/> of the plan; called for 0, 1, 2, ... in order.</summary>
        BatchResult Take(int batch);
    }

    /// <summary>Loads each batch on the consumer's thread when asked, outside any open <see cref="TensorScope"/>.</summary>
    private sealed class InlineSource(DataLoader<TSample, TBatch> loader, int epoch, int[][] plan) : IBatchSource
    {
        public BatchResult Take(int batch)
        {
            using (TensorScope.Suspend()) return loader.Produce(epoch, batch, plan[batch], CancellationToken.None);
        }

        public void Dispose() { }
    }

    /// <summary>
    /// Worker threads claim batches in order from a shared counter, holding a slot for each until the consumer
    /// takes it (at most prefetch x workers in flight); finished batches wait in a reorder buffer until their turn.
    /// </summary>
    private sealed class WorkerSource : IBatchSource
    {
        private readonly DataLoader<TSample, TBatch> _loader;
        private readonly int _epoch;
        private readonly int[][] _plan;
        private readonly CancellationTokenSource _cancel = new();
        private readonly SemaphoreSlim _slots;
        private readonly BlockingCollection<(int Batch, BatchResult Result)> _done = new();
        private readonly Dictionary<int, BatchResult> _reorder = [];
        private readonly Thread[] _threads;
        private int _next = -1;

        public WorkerSource(DataLoader<TSample, TBatch> loader, int epoch, int[][] plan)
        {
            _loader = loader;
            _epoch = epoch;
            _plan = plan;
            _slots = new SemaphoreSlim(loader.Prefetch * loader.NumWorkers);
            _threads = new Thread[loader.NumWorkers];
            for (int w = 0; w < _threads.Length; w++)
            {
                _threads[w] = new Thread(Work) { IsBackground = true, Name = $"DataLoader worker {w}" };
                _threads[w].Start();
            }
        }

        private void Work()
        {
            var cancel = _cancel.Token;
            try
            {
                while (true)
                {
                    _slots.Wait(cancel);
                    int b = Interlocked.Increment(ref _next);
                    if (b >= _plan.Length) return;
                    _done.Add((b, _loader.Produce(_epoch, b, _plan[b], cancel)));
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
            }
        }

        public BatchResult Take(int batch)
        {
            BatchResult r;
            while (!_reorder.Remove(batch, out r))
            {
                var (b, result) = _done.Take();
                _reorder[b] = result;
            }
            _slots.Release();
            return r;
        }

        /// <summary>Stops the workers (each finishes at most its current sample) and releases batches never taken.</summary>
        public void Dispose()
        {
            _cancel.Cancel();
            foreach (var t in _threads) t.Join();
            foreach (var r in _reorder.Values) Release(r.Batch);
            while (_done.TryTake(out var d)) Release(d.Result.Batch);
            _cancel.Dispose();
            _slots.Dispose();
            _done.Dispose();
        }
    }
}

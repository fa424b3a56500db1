// A persistent pool of worker threads for parallel kernels. One job runs at a time: the caller and the workers
// pull indices from a shared counter until all are done, so a job costs a few atomic operations rather than a
// task allocation per chunk. Calls from inside a job, or while another thread's job runs, execute inline.
// Kernels split work into chunks whose boundaries depend only on data sizes, so results never depend on
// the number of threads.
using System.Runtime.ExceptionServices;

namespace Fovea.Runtime.Threading;

/// <summary>Runs parallel loops on a fixed set of threads. Thread count: API or the FOVEA_NUM_THREADS variable.</summary>
public static class WorkerPool
{
    private static readonly object JobLock = new();
    private static readonly object ResizeLock = new();
    [ThreadStatic] private static bool _inJob;

    private static Worker[] _workers = [];
    private static int _threadCount;

    // The current job.
    private static Action<int>? _body;
    private static int _count, _next, _pending, _chunk;
    private static ExceptionDispatchInfo? _error;
    private static readonly ManualResetEventSlim Done = new(false);

    static WorkerPool()
    {
        int n = Environment.ProcessorCount;
        var env = Environment.GetEnvironmentVariable("FOVEA_NUM_THREADS");
        if (int.TryParse(env, out int v) && v >= 1) n = v;
        ThreadCount = n;
    }

    /// <summary>Threads used by parallel kernels, the caller included (>= 1).</summary>
    public static int ThreadCount
    {
        get => _threadCount;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), $"WorkerPool.ThreadCount must be >= 1, got {value}.");
            lock (ResizeLock)
                lock (JobLock)
                {
                    foreach (var w in _workers) w.Stop();
                    _workers = Enumerable.Range(0, value - 1).Select(i => new Worker(i)).ToArray();
                    _threadCount = value;
                }
        }
    }

    /// <summary>Calls <paramref name="body"/>(i) for every i in [0, count), in parallel; rethrows the first exception.</summary>
    public static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || _threadCount == 1 || _inJob || !Monitor.TryEnter(JobLock))
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        try
        {
            _body = body;
            _count = count;
            _next = 0;
            // Participants take runs of consecutive indices when there are many small tasks (one per image plane):
            // each thread then streams through its own stretch of memory instead of interleaving with the others.
            // A few heavy tasks (GEMM blocks) are handed out one at a time, which balances them best.
            _chunk = count >= 64 * _threadCount ? count / (_threadCount * 4) : 1;
            _error = null;
            int helpers = Math.Min(_workers.Length, count - 1);
            _pending = helpers + 1;
            Done.Reset();
            for (int w = 0; w < helpers; w++) _workers[w].Wake();
            Participate();
            if (Interlocked.Decrement(ref _pending) != 0) Done.Wait();
            _body = null;
            _error?.Throw();
        }
        finally
        {
            Monitor.Exit(JobLock);
        }
    }

    /// <summary>Calls body(start, end) over [0, n) in chunks of <paramref name="grain"/> (boundaries depend only on n and grain).</summary>
    public static void ForRange(int n, int grain, Action<int, int> body)
    {
        if (grain < 1) throw new ArgumentOutOfRangeException(nameof(grain), $"WorkerPool.ForRange: grain must be >= 1, got {grain}.");
        int chunks = (n + grain - 1) / grain;
        For(chunks, c => body(c * grain, Math.Min(n, (c + 1) * grain)));
    }

    // Pulls indices until none are left.
    private static void Participate()
    {
        var body = _body!;
        bool was = _inJob;
        _inJob = true;
        try
        {
            int start, chunk = _chunk, count = _count;
            while ((start = Interlocked.Add(ref _next, chunk) - chunk) < count)
            {
                try
                {
                    for (int i = start, end = Math.Min(count, start + chunk); i < end; i++) body(i);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
                    Interlocked.Exchange(ref _next, count); // stop handing out work
                }
            }
        }
        finally
        {
            _inJob = was;
        }
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _wake = new(0);
        private volatile bool _stop;

        public Worker(int index)
        {
            var t = new Thread(Run) { IsBackground = true, Name = $"Fovea worker {index + 1}" };
            t.Start();
        }

        public void Wake() => _wake.Release();

        public void Stop()
        {
            _stop = true;
            _wake.Release();
        }

        private void Run()
        {
            while (true)
            {
                // Spin briefly before sleeping: back-to-back kernels then start without a kernel wake-up.
                if (!_wake.Wait(0))
                {
                    var spin = new SpinWait();
                    bool got = false;
                    for (int i = 0; i < 200 && !(got = _wake.Wait(0)); i++) spin.SpinOnce(-1);
                    if (!got) _wake.Wait();
                }
                if (_stop) return;
                Participate();
                if (Interlocked.Decrement(ref _pending) == 0) Done.Set();
            }
        }
    }
}

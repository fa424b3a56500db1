// The base of learning-rate schedules: after each Step() every parameter group's learning rate is the
// schedule's value for the new epoch (or iteration), computed in closed form from the group's initial rate.
namespace Fovea.Optim;

/// <summary>A learning-rate schedule, like torch.optim.lr_scheduler. Call <see cref="Step"/> once per epoch (or batch).</summary>
public abstract class LrScheduler
{
    protected LrScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer;
        LastEpoch = 0;
    }

    public Optimizer Optimizer { get; }

    /// <summary>Number of Step() calls so far (PyTorch's last_epoch after construction is 0).</summary>
    public int LastEpoch { get; protected set; }

    /// <summary>Learning rate of each group after the last step.</summary>
    public IReadOnlyList<double> LastLearningRates => Optimizer.ParamGroups.Select(g => g.LearningRate).ToList();

    /// <summary>Sets the rates for epoch 0; derived constructors call it once their fields are set.</summary>
    protected void Initialize() => Apply();

    /// <summary>Advances the schedule by one epoch/iteration and updates the optimizer's learning rates.</summary>
    public virtual void Step()
    {
        LastEpoch++;
        Apply();
    }

    private void Apply()
    {
        for (int i = 0; i < Optimizer.ParamGroups.Count; i++)
        {
            var g = Optimizer.ParamGroups[i];
            g.LearningRate = LearningRate(g.InitialLearningRate, LastEpoch, i);
        }
    }

    /// <summary>The learning rate at <paramref name="epoch"/> for a group that started at <paramref name="baseLr"/>.</summary>
    public abstract double LearningRate(double baseLr, int epoch, int group);

    /// <summary>Restores the position of the schedule (for resuming from a checkpoint).</summary>
    public virtual void Load(int lastEpoch)
    {
        LastEpoch = lastEpoch;
        Apply();
    }
}

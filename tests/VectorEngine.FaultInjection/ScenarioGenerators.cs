using FsCheck;
using FsCheck.Fluent;

namespace VectorEngine.FaultInjection;

/// <summary>FsCheck generators and a shrinker for durability scenarios, shared by the property test and `bench faults`.</summary>
public static class ScenarioGenerators
{
    /// <summary>A batch of distinct keys.</summary>
    public static Gen<int[]> Keys(int max) =>
        from count in Gen.Choose(1, max)
        from keys in Gen.ArrayOf(Gen.Choose(0, DurabilityScenario.KeySpace - 1), count)
        select keys.Distinct().ToArray();

    /// <summary>One step, writes most often.</summary>
    public static Gen<Step> Step { get; } = Gen.Frequency(
        (10, Keys(8).Select(k => (Step)new Step.Upsert(k))),
        (3, Keys(4).Select(k => (Step)new Step.Delete(k))),
        (1, Gen.Constant((Step)new Step.Checkpoint())),
        (1, Gen.Constant((Step)new Step.Optimize())),
        (1, Gen.Constant((Step)new Step.SnapshotRoundTrip())),
        (1, Gen.Constant((Step)new Step.Reopen())));

    /// <summary>A fault of any kind at a call within the first <paramref name="maxCall"/>.</summary>
    public static Gen<Fault> Fault(int maxCall) =>
        from kind in Gen.Elements(Enum.GetValues<FaultKind>())
        from at in Gen.Choose(1, maxCall)
        select new Fault(kind, at);

    /// <summary>
    /// A scenario of 1 to <paramref name="maxSteps"/> steps and one fault, placed within the calls such a scenario makes
    /// (about 30 to create the database and collection, about 10 per step on average), so most faults strike.
    /// </summary>
    public static Gen<Scenario> Scenario(int maxSteps, int maxCall) =>
        from count in Gen.Choose(1, maxSteps)
        from steps in Gen.ArrayOf(Step, count)
        from fault in Fault(Math.Min(maxCall, 30 + (10 * count)))
        from seed in Gen.Choose(0, int.MaxValue)
        select new Scenario(steps, fault, seed);

    /// <summary>Smaller scenarios: one step fewer, a smaller batch, an earlier fault.</summary>
    public static IEnumerable<Scenario> Shrink(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        for (int i = 0; i < scenario.Steps.Count; i++)
        {
            yield return scenario with { Steps = [.. scenario.Steps.Take(i), .. scenario.Steps.Skip(i + 1)] };
        }

        for (int i = 0; i < scenario.Steps.Count; i++)
        {
            if (scenario.Steps[i] is Step.Upsert { Keys.Length: > 1 } upsert)
            {
                Step smaller = new Step.Upsert(upsert.Keys[..^1]);
                yield return scenario with { Steps = [.. scenario.Steps.Take(i), smaller, .. scenario.Steps.Skip(i + 1)] };
            }
        }

        if (scenario.Fault.AtCall > 1)
        {
            yield return scenario with { Fault = scenario.Fault with { AtCall = scenario.Fault.AtCall / 2 } };
            yield return scenario with { Fault = scenario.Fault with { AtCall = scenario.Fault.AtCall - 1 } };
        }
    }

    /// <summary>The arbitrary for properties: the generator with the shrinker.</summary>
    public static Arbitrary<Scenario> Arbitrary(int maxSteps, int maxCall) => Arb.From(Scenario(maxSteps, maxCall), Shrink);
}

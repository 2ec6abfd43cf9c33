using System.CommandLine;
using VectorEngine.Bench.Commands;

var root = new RootCommand("VectorEngine benchmark and demo CLI")
{
    AnnCommand.Create(),
    PeersCommand.Create(),
    ReportCommand.Create(),
    PlanCommand.Create(),
    LoadCommand.Create(),
    IngestCommand.Create(),
    DemoCommand.Create(),
    FaultsCommand.Create(),
    EmbedCommand.Create(),
    QualityCommand.Create(),
    SegmentsCommand.Create(),
    GenCommand.Create(),
    TiersCommand.Create(),
    MachineCommand.Create(),
    PlanCheckCommand.Create(),
    HardnessCommand.Create(),
};
try
{
    // Our own handler for bad arguments the engine refuses: the message alone, no stack trace.
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (VectorEngine.VectorEngineArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

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
};
return root.Parse(args).Invoke();

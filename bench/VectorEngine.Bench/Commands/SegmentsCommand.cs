using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using VectorEngine.Api.V1;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench segments</c>: the admin face of tiers on a running server: list a collection's sealed segments with their
/// tier and memory, move one to a tier, pin or unpin it, or run a tier pass now.
/// </summary>
internal static class SegmentsCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "Server address", DefaultValueFactory = _ => "http://127.0.0.1:6334" };
        var apiKey = new Option<string?>("--api-key") { Description = "API key sent with every call" };
        var collection = new Option<string>("--collection") { Description = "Collection name", Required = true };
        var segment = new Option<uint>("--segment") { Description = "Segment id (from `segments list`)", Required = true };
        var tier = new Option<SegmentTier>("--tier") { Description = "Hot, Warm or Cold", Required = true };

        var list = new Command("list", "Each sealed segment: tier, points, resident bytes, pin, last access") { server, apiKey, collection };
        list.SetAction(parse => Call(parse.GetValue(server)!, parse.GetValue(apiKey), async client =>
        {
            ListSegmentsResponse response = await client.ListSegmentsAsync(new ListSegmentsRequest { CollectionName = parse.GetValue(collection)! }, Headers(parse.GetValue(apiKey)));
            var table = new Table().AddColumns("segment", "tier", "points", "resident", "pinned", "last access (UTC)", "recent accesses");
            foreach (SegmentTierDescription s in response.Segments)
            {
                table.AddRow(s.SegmentId.ToString(), s.Tier.ToString(), s.Points.ToString("N0"), $"{s.ResidentBytes / 1048576.0:N1} MiB",
                    s.HasPinned ? s.Pinned.ToString() : "-", DateTimeOffset.FromUnixTimeMilliseconds(s.LastAccessMs).ToString("u"), s.RecentAccesses.ToString());
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{response.Segments.Count} segments, {response.Segments.Sum(s => (long)s.ResidentBytes) / 1048576.0:N1} MiB resident");
        }));

        var move = new Command("move", "Move a segment to a tier now") { server, apiKey, collection, segment, tier };
        move.SetAction(parse => Move(parse, server, apiKey, collection, segment, tier, pin: false, unpin: false));
        var pin = new Command("pin", "Move a segment to a tier and keep it there (the policy and the budget leave it)") { server, apiKey, collection, segment, tier };
        pin.SetAction(parse => Move(parse, server, apiKey, collection, segment, tier, pin: true, unpin: false));
        var unpinTier = new Option<SegmentTier>("--tier") { Description = "Ignored", DefaultValueFactory = _ => SegmentTier.Hot };
        var unpin = new Command("unpin", "Let the policy and the budget move a segment again") { server, apiKey, collection, segment };
        unpin.SetAction(parse => Move(parse, server, apiKey, collection, segment, unpinTier, pin: false, unpin: true));

        var pass = new Command("pass", "Run one tier pass now (policies, then the memory budget)") { server, apiKey };
        pass.SetAction(parse => Call(parse.GetValue(server)!, parse.GetValue(apiKey), async client =>
        {
            RunTierPassResponse response = await client.RunTierPassAsync(new RunTierPassRequest(), Headers(parse.GetValue(apiKey)));
            AnsiConsole.MarkupLineInterpolated($"{response.Moved} segments moved in {response.Time * 1000:F0} ms");
        }));

        return new Command("segments", "List, move and pin a collection's segments between the hot, warm and cold tiers (a running server)")
        {
            list, move, pin, unpin, pass,
        };
    }

    private static int Move(ParseResult parse, Option<string> server, Option<string?> apiKey, Option<string> collection, Option<uint> segment, Option<SegmentTier> tier, bool pin, bool unpin) =>
        Call(parse.GetValue(server)!, parse.GetValue(apiKey), async client =>
        {
            var request = new MoveSegmentRequest
            {
                CollectionName = parse.GetValue(collection)!,
                SegmentId = parse.GetValue(segment),
                Tier = (Tier)(int)parse.GetValue(tier),
                Pin = pin,
                Unpin = unpin,
            };
            CollectionOperationResponse response = await client.MoveSegmentAsync(request, Headers(parse.GetValue(apiKey)));
            AnsiConsole.MarkupLineInterpolated($"segment {request.SegmentId}: {(unpin ? "unpinned" : $"{(pin ? "pinned" : "moved")} to {parse.GetValue(tier)}")} in {response.Time * 1000:F0} ms");
        });

    private static Metadata Headers(string? apiKey) => apiKey is null ? [] : new Metadata { { "api-key", apiKey } };

    private static int Call(string address, string? apiKey, Func<Api.V1.Collections.CollectionsClient, Task> call)
    {
        _ = apiKey;
        using GrpcChannel channel = GrpcChannel.ForAddress(address);
        try
        {
            call(new Api.V1.Collections.CollectionsClient(channel)).GetAwaiter().GetResult();
            return 0;
        }
        catch (RpcException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{e.StatusCode}: {e.Status.Detail}[/]");
            return e.StatusCode == StatusCode.InvalidArgument ? 2 : 1;
        }
    }
}

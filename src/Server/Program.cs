using VectorEngine.Server;

// `dotnet run -c Release --project src/Server` serves gRPC on 127.0.0.1:6334 with data in ./data.
VectorEngineServer.Build(args).Run();

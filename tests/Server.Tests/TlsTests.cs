using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VectorEngine.Client;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Server.Tests;

/// <summary>With a certificate configured the gRPC port speaks TLS only.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task With_a_certificate_calls_work_over_TLS_and_plain_HTTP2_is_refused()
    {
        using TempDirectory dir = Data.TempDir();
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=vectorengine-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string pfx = Path.Combine(dir.Path, "server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "secret-pass"));

        WebApplication app = VectorEngineServer.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Server:Port"] = "0",
            ["Server:MetricsPort"] = "-1",
            ["Server:DataDirectory"] = Path.Combine(dir.Path, "data"),
            ["Server:TlsCertificatePath"] = pfx,
            ["Server:TlsCertificatePassword"] = "secret-pass",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await app.StartAsync();
        try
        {
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Assert.StartsWith("https://127.0.0.1:", address);
            var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    // Trust exactly this self-signed certificate.
                    RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
                },
            };
            using GrpcChannel channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
            await ServerHarness.WaitServingAsync(channel);
            using var client = new VectorEngineClient(channel);
            RemoteCollection c = await client.CreateCollectionAsync("c", new CollectionOptions(2, DistanceMetric.L2));
            await c.UpsertAsync([new Point(1UL, [1f, 2f])]);
            Assert.Equal(1, await c.CountAsync());

            using GrpcChannel plain = GrpcChannel.ForAddress(address.Replace("https://", "http://", StringComparison.Ordinal));
            await Assert.ThrowsAnyAsync<Exception>(() => new VectorEngineClient(plain).ListCollectionsAsync());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

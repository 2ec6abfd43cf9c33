using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VectorEngine;
using VectorEngine.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a VectorEngine client with a host's services, its connection managed by the gRPC client factory.</summary>
public static class VectorEngineClientServiceCollectionExtensions
{
    private const string ClientName = "VectorEngine";

    /// <summary>
    /// Registers <see cref="VectorEngineClient"/> (and <see cref="IVectorDatabase"/>) over a connection the gRPC client
    /// factory owns, its settings bound from <paramref name="configuration"/> (a section such as <c>VectorEngineClient</c>)
    /// and checked when the host starts. Clients are cheap views of the shared connection: inject them anywhere.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The configuration section with <see cref="VectorEngineClientSettings"/>.</param>
    /// <returns>The HTTP client builder of the connection, for handlers, resilience or a primary handler of one's own.</returns>
    public static IHttpClientBuilder AddVectorEngineClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<VectorEngineClientSettings>().Configure(settings => configuration.Bind(settings));
        return AddClient(services);
    }

    /// <summary>Registers a client configured in code; see <see cref="AddVectorEngineClient(IServiceCollection, IConfiguration)"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the address and, for a secured server, the API key.</param>
    /// <returns>The HTTP client builder of the connection.</returns>
    public static IHttpClientBuilder AddVectorEngineClient(this IServiceCollection services, Action<VectorEngineClientSettings> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<VectorEngineClientSettings>().Configure(configure);
        return AddClient(services);
    }

    private static IHttpClientBuilder AddClient(IServiceCollection services)
    {
        services.AddOptions<VectorEngineClientSettings>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VectorEngineClientSettings>, SettingsValidator>());
        services.TryAddTransient<IVectorDatabase>(provider => provider.GetRequiredService<VectorEngineClient>());
        return services
            .AddGrpcClient<VectorEngineClient>(ClientName, (provider, factory) =>
            {
                VectorEngineClientSettings settings = provider.GetRequiredService<IOptions<VectorEngineClientSettings>>().Value;
                factory.Address = new Uri(settings.Address);
                factory.ChannelOptionsActions.Add(channel =>
                {
                    channel.MaxReceiveMessageSize = settings.MaxMessageBytes;
                    channel.MaxSendMessageSize = settings.MaxMessageBytes;
                });
            })
            .ConfigureGrpcClientCreator((provider, invoker) =>
                new VectorEngineClient(invoker, provider.GetRequiredService<IOptions<VectorEngineClientSettings>>().Value.ApiKey));
    }

    private sealed class SettingsValidator : IValidateOptions<VectorEngineClientSettings>
    {
        public ValidateOptionsResult Validate(string? name, VectorEngineClientSettings options)
        {
            IReadOnlyList<string> problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

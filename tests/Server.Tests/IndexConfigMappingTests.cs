using VectorEngine.Api.V1;
using VectorEngine.Hnsw;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Quantization.Ivf;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;

namespace VectorEngine.Server.Tests;

/// <summary>The wire's typed index configs become the index packages' typed options, checked and complete.</summary>
public sealed class IndexConfigMappingTests
{
    private static CreateCollection Create() => new()
    {
        CollectionName = "c",
        Vectors = new VectorParams { Size = 16, Distance = Distance.Cosine },
    };

    [Fact]
    public void Hnsw_with_scalar_quantization_maps_to_hnsw_parameters_with_int8_codes()
    {
        CreateCollection create = Create();
        create.HnswConfig = new HnswConfig { M = 24, EfConstruct = 150 };
        create.QuantizationConfig = new QuantizationConfig { Scalar = new ScalarQuantization { Quantile = 0.995f }, Oversampling = 3 };
        var parameters = HnswParameters.Parse(create.ToEngine().Index!.Parameters);
        Assert.Equal((24, 150, (double?)3.0), (parameters.M, parameters.EfConstruction, parameters.Oversampling));
        Assert.Equal(0.995, Assert.IsType<Int8Parameters>(parameters.Quantizer).Quantile!.Value, 6);
    }

    [Fact]
    public void Ivf_with_pq_maps_to_ivf_parameters_and_out_of_range_values_are_refused_naming_the_field()
    {
        CreateCollection create = Create();
        create.IvfConfig = new IvfConfig { Nlist = 64, Nprobe = 4, Encoding = Api.V1.IvfEncoding.IvfPq, PqM = 8 };
        var parameters = IvfParameters.Parse(create.ToEngine().Index!.Parameters);
        Assert.Equal((Quantization.Ivf.IvfEncoding.Pq, 64, 4, 8), (parameters.Encoding, parameters.NList, parameters.NProbe, parameters.Pq.SubQuantizers));

        create.IvfConfig.Nprobe = ulong.MaxValue;
        Assert.Equal("ivf_config.nprobe", Assert.Throws<VectorEngineArgumentException>(() => create.ToEngine()).ParamName);

        CreateCollection defaultIndex = Create();
        defaultIndex.QuantizationConfig = new QuantizationConfig { Product = new ProductQuantization { M = 3 }, Rescore = false };
        var hnsw = HnswParameters.Parse(defaultIndex.ToEngine().Index!.Parameters);
        Assert.Equal((3, false), (Assert.IsType<PqParameters>(hnsw.Quantizer).SubQuantizers, hnsw.Rescore));
    }
}

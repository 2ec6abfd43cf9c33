using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Hnsw;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Quantization.Binary;
using VectorEngine.Quantization.Ivf;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;

namespace VectorEngine.Quantization.Tests;

/// <summary>The typed index and quantizer options write a collection's config and read back as the same values.</summary>
public sealed class TypedOptionsTests
{
    private static Gen<IQuantizerParameters> Quantizers() => Gen.OneOf(
        from quantile in Gen.Choose(500, 1000)
        from granularity in Gen.Elements(Int8Granularity.Auto, Int8Granularity.Collection, Int8Granularity.Dimension)
        from sample in Gen.Choose(1, 100_000)
        select (IQuantizerParameters)new Int8Parameters { Quantile = quantile == 500 ? null : quantile / 1000.0, Granularity = granularity, SampleSize = sample },
        from m in Gen.Choose(0, 64)
        from iterations in Gen.Choose(0, 50)
        select (IQuantizerParameters)new PqParameters { SubQuantizers = m, Iterations = iterations },
        Gen.Constant<IQuantizerParameters>(new BinaryParameters()));

    [Property(MaxTest = 200)]
    public Property Hnsw_parameters_with_a_typed_quantizer_survive_the_config_round_trip() =>
        Prop.ForAll(
            (from m in Gen.Choose(2, 64)
             from ef in Gen.Choose(1, 1000)
             from oversampling in Gen.Choose(9, 1000)
             from rescore in Gen.Elements(true, false)
             from quantizer in Quantizers()
             select new HnswParameters { M = m, Ef = ef, Oversampling = oversampling == 9 ? null : oversampling / 10.0, Rescore = rescore, Quantizer = quantizer }).ToArbitrary(),
            parameters =>
            {
                IndexSpec spec = parameters.ToSpec();
                HnswParameters read = HnswParameters.Parse(spec.Parameters);
                Assert.Equal(HnswParameters.IndexName, spec.Name);
                Assert.Equal(parameters.Quantizer, read.Quantizer);
                Assert.Equal((parameters.M, parameters.Ef, parameters.Oversampling, parameters.Rescore), (read.M, read.Ef, read.Oversampling, read.Rescore));
            });

    [Fact]
    public void Ivf_parameters_with_typed_codebooks_survive_the_config_round_trip_and_bad_values_are_refused()
    {
        var pq = new IvfParameters { Encoding = IvfEncoding.Pq, NList = 128, NProbe = 8, Pq = new PqParameters { SubQuantizers = 16 } };
        IvfParameters read = IvfParameters.Parse(pq.ToSpec().Parameters);
        Assert.Equal((IvfEncoding.Pq, 128, 8, 16), (read.Encoding, read.NList, read.NProbe, read.Pq.SubQuantizers));

        var sq8 = new IvfParameters { Encoding = IvfEncoding.Sq8, Sq8 = new Int8Parameters { Quantile = 0.999 } };
        Assert.Equal(0.999, IvfParameters.Parse(sq8.ToSpec().Parameters).Sq8.Quantile);

        Assert.Throws<VectorEngineArgumentException>(() => new IvfParameters { NProbe = 0 }.ToSpec());
        Assert.Throws<VectorEngineArgumentException>(() => new HnswParameters { Quantizer = new Int8Parameters { Quantile = 0.2 } }.ToSpec());
        Assert.Throws<VectorEngineArgumentException>(() => new HnswParameters { M = 1 }.ToSpec());
    }

    [Fact]
    public void Without_a_quantizer_or_with_one_this_library_does_not_ship_the_typed_quantizer_is_null()
    {
        Assert.Null(new HnswParameters().Quantizer);
        Assert.Null(new HnswParameters { Quantization = "custom" }.Quantizer);
        Assert.Equal(BinaryParameters.Name, new HnswParameters { Quantizer = new BinaryParameters() }.Quantization);
        Assert.Empty(new HnswParameters { Quantizer = new BinaryParameters() }.QuantizerParameters);
    }
}

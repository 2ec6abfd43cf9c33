using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Quantization.Clustering;
using VectorEngine.Quantization.Kernels;
using VectorEngine.Quantization.Product;

namespace VectorEngine.Quantization.Tests;

/// <summary>PQ: ADC distances are the distances to the decoded vectors, and the gather kernel equals the scalar one.</summary>
public sealed unsafe class ProductQuantizerTests
{
    [Property(MaxTest = 25)]
    public Property The_ADC_distance_equals_the_distance_to_the_decoded_vector() =>
        Prop.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from m in Gen.Elements(1, 2, 4, 8, 9, 16)
             from sub in Gen.Choose(1, 6)
             from n in Gen.Choose(1, 300)
             select (seed, m, sub, n)).ToArbitrary(),
            input =>
            {
                int dim = input.m * input.sub;
                var random = new Random(input.seed);
                using var rows = new KMeans.Matrix(input.n, dim);
                for (int i = 0; i < input.n; i++)
                {
                    Span<float> row = rows.Row(i);
                    for (int d = 0; d < dim; d++)
                    {
                        row[d] = (float)(random.NextDouble() * 2 - 1);
                    }
                }

                ProductQuantizer pq = ProductQuantizer.Train(rows, input.m, iterations: 4, seed: input.seed, threads: 0);
                byte[] codes = new byte[input.n * input.m];
                pq.Encode(rows, codes, threads: 0);
                float[] query = Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                float[] l2 = new float[pq.TableLength], dot = new float[pq.TableLength];
                float[] decoded = new float[dim];
                fixed (float* l2Table = l2)
                fixed (float* dotTable = dot)
                fixed (byte* code = codes)
                {
                    pq.SquaredL2Table(query, l2Table);
                    pq.DotTable(query, -1f, dotTable);
                    for (int i = 0; i < input.n; i++)
                    {
                        pq.Decode(codes.AsSpan(i * input.m, input.m), decoded);
                        double exactL2 = decoded.Select((v, d) => (double)(query[d] - v) * (query[d] - v)).Sum();
                        double exactDot = -decoded.Select((v, d) => (double)query[d] * v).Sum();
                        float adcL2 = AdcSum.Sum(l2Table, code + (i * input.m), input.m);
                        float adcDot = AdcSum.Sum(dotTable, code + (i * input.m), input.m);
                        Assert.Equal(exactL2, adcL2, 1e-4 * (1 + exactL2));
                        Assert.Equal(exactDot, adcDot, 1e-4 * (1 + Math.Abs(exactDot)));
                    }
                }

                // Every code is the nearest centroid of its sub-vector.
                for (int i = 0; i < input.n; i++)
                {
                    for (int j = 0; j < input.m; j++)
                    {
                        float[] part = rows.Row(i).Slice(j * input.sub, input.sub).ToArray();
                        double Distance(int c) => VectorDistance.SquaredL2(part, pq.Codebooks.AsSpan(((j * 256) + c) * input.sub, input.sub));
                        double best = Enumerable.Range(0, 256).Min(Distance);
                        Assert.True(Distance(codes[(i * input.m) + j]) <= best + 1e-4, $"row {i} sub {j}");
                    }
                }
            });

    [Property(MaxTest = 60)]
    public Property The_gather_kernel_equals_the_scalar_reference() =>
        Prop.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from m in Gen.Choose(8, 130)
             select (seed, m)).ToArbitrary(),
            input =>
            {
                var random = new Random(input.seed);
                float[] table = Enumerable.Range(0, input.m * 256).Select(_ => (float)random.NextDouble()).ToArray();
                byte[] code = Enumerable.Range(0, input.m).Select(_ => (byte)random.Next(256)).ToArray();
                fixed (float* t = table)
                fixed (byte* c = code)
                {
                    double exact = code.Select((b, j) => (double)table[(j * 256) + b]).Sum();
                    Assert.Equal(exact, AdcSum.Scalar(t, c, input.m), 1e-4 * input.m);
                    if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
                    {
                        Assert.Equal(exact, AdcSum.Gather256(t, c, input.m), 1e-4 * input.m);
                    }
                }
            });
}

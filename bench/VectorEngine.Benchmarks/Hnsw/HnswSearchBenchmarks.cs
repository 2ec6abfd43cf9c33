using BenchmarkDotNet.Attributes;
using VectorEngine.Hnsw;
using VectorEngine.Indexing;
using VectorEngine.Quantization;
using VectorEngine.Quantization.Scalar;
using VectorEngine.Segments;

namespace VectorEngine.Benchmarks.Hnsw;

/// <summary>
/// One HNSW query, through the raw index and through the public <see cref="Collection.Search(SearchRequest)"/> API, on
/// SIFT-10k when it is unpacked (<c>VECTORENGINE_SIFT10K</c>, default /tmp/data/sift-bigann-10k-euclidean) or on
/// random 128-d data otherwise, over float vectors or int8 codes. The raw index must allocate 0 B per query.
/// </summary>
[Config(typeof(BaseConfig))]
public class HnswSearchBenchmarks
{
    private GrowableVectorStore _store = null!;
    private HnswIndex _index = null!;
    private float[][] _queries = [];
    private SearchRequest[] _requests = [];
    private TopKCollector _collector = null!;
    private Bitset _deleted = null!;
    private VectorDatabase _db = null!;
    private Collection _collection = null!;
    private string _directory = string.Empty;
    private int _next;

    [Params(16, 64)]
    public int Ef { get; set; }

    /// <summary>The codes searches traverse: "none" (floats) or "int8".</summary>
    [Params("none", "int8")]
    public string Codes { get; set; } = "none";

    [GlobalSetup]
    public void Setup()
    {
        (float[][] data, float[][] queries) = BenchData.Sift10kOrRandom();
        _queries = queries;
        _store = BenchData.Store(data);

        HnswParameters parameters = Codes == "int8" ? new HnswParameters { Quantization = Int8QuantizerFactory.QuantizerName } : new HnswParameters();
        _index = HnswIndex.Build(_store, parameters, Codes == "int8" ? new Int8QuantizerFactory() : null);
        _collector = new TopKCollector(10);
        _deleted = new Bitset(data.Length);

        _directory = Path.Combine(Path.GetTempPath(), "ve-bdn-" + Guid.NewGuid().ToString("N"));
        _db = VectorDatabase.Open(_directory, new VectorDatabaseOptions { WalSyncMode = WalSyncMode.None, EnableBackgroundOptimizer = false }
            .UseHnsw().UseQuantization());
        _collection = _db.CreateCollection("c", new CollectionOptions(data[0].Length, DistanceMetric.L2) { Index = HnswOptionsExtensions.Spec(parameters) });
        _collection.Upsert(data.Select((v, i) => new Point((ulong)i, v)).ToArray());
        _collection.Checkpoint();
        _requests = queries.Select(q => new SearchRequest(q, 10) { Params = new SearchParams { Ef = Ef } }).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _db.Dispose();
        _index.Dispose();
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public int Index()
    {
        float[] query = _queries[_next++ % _queries.Length];
        _collector.Reset(10);
        _index.Search(query, _requests[0].Params, new LiveFilter(_deleted), _collector);
        return _collector.Count;
    }

    [Benchmark]
    public int Collection() => _collection.Search(_requests[_next++ % _requests.Length]).Count;
}

#!/usr/bin/python3
"""Peer rows for `bench peers`: hnswlib (Python and native), FAISS and USearch (f32, i8) on a dataset, measured as `bench ann` measures, in its JSON schema.

Each index is built once (all cores), then every search setting is timed, the process pinned to the first N CPUs,
the query set repeated until --min-time seconds have passed, after a warm-up pass. With 1 thread: one query per call,
latency percentiles from the per-call times ("call": "single"). With N > 1: the whole query set in one call on N
library threads ("call": "batch", no per-query latencies) -- N Python threads issuing single calls would measure
the GIL hand-offs between Python's per-call work rather than the library (measured: 2 threads slower than 1 at
ef=16 on SIFT-10k). Rows carry engine, index, build_params, build_seconds and
build_phases, index_bytes, rss_growth_bytes, vector_bytes_per_point, search_params, threads, k, recall_at_k, qps
(median of --repeat), p50/p95/p99 in microseconds.

    /usr/bin/python3 bench/peers/ann_peer.py --dataset /tmp/data/sift-bigann-10k-euclidean \
        --engines hnswlib,faiss --indexes hnsw,ivf-pq --m 16 --ef-construction 200 \
        --ef 10,16,32,64,128 --nprobe 1,4,16,64 --threads 1,2 --out peers.json

Needs Debian's python3-hnswlib, python3-faiss and python3-numpy (bench/peers/install.sh); use /usr/bin/python3.
"""
import argparse
import gzip
import json
import math
import os
import subprocess
import tempfile
import time

import numpy as np


def read_vecs(path, dtype):
    """TEXMEX .fvecs / .ivecs / .bvecs or NumPy .npy, optionally gzip-compressed, as a 2-D array of dtype."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    name = path.removesuffix(".gz")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        if name.endswith(".npy"):
            return np.ascontiguousarray(np.load(f), dtype=dtype)
        raw = np.frombuffer(f.read(), dtype=np.uint8)
    dim = int(raw[:4].view(np.int32)[0])
    if name.endswith(".bvecs"):
        return np.ascontiguousarray(raw.reshape(-1, dim + 4)[:, 4:], dtype=dtype)
    return np.ascontiguousarray(raw.view(np.int32).reshape(-1, dim + 1)[:, 1:].view(np.float32 if dtype == np.float32 else np.int32), dtype=dtype)


def load(path, queries):
    """A ../shared/data folder (dataset.json) or an ann-benchmarks .hdf5 file (needs python3-h5py)."""
    if path.endswith((".hdf5", ".h5")):
        import h5py
        with h5py.File(path, "r") as f:
            meta = {"name": os.path.splitext(os.path.basename(path))[0]}
            base, query, truth = np.asarray(f["train"], np.float32), np.asarray(f["test"], np.float32), np.asarray(f["neighbors"], np.int32)
            metric = f.attrs.get("distance", "euclidean")
            metric = metric.decode() if isinstance(metric, bytes) else str(metric)
    else:
        meta = json.load(open(os.path.join(path, "dataset.json")))
        meta.setdefault("name", os.path.basename(os.path.normpath(path)))
        base = read_vecs(os.path.join(path, meta["base"].removesuffix(".gz")), np.float32)
        query = read_vecs(os.path.join(path, meta["query"].removesuffix(".gz")), np.float32)
        truth = read_vecs(os.path.join(path, meta["groundtruth"].removesuffix(".gz")), np.int32)
        metric = meta.get("metric", "euclidean")
    if queries:
        query, truth = query[:queries], truth[:queries]
    if metric == "angular":
        # The engine's cosine: the same neighbours as inner product on normalized vectors.
        base = base / np.linalg.norm(base, axis=1, keepdims=True).clip(1e-30)
        query = query / np.linalg.norm(query, axis=1, keepdims=True).clip(1e-30)
    return meta, np.ascontiguousarray(base, dtype=np.float32), np.ascontiguousarray(query, dtype=np.float32), truth, metric


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def recall(found, truth, k):
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))


def pq_m(dim):
    lo, hi = max(1, dim // 8), max(1, dim // 4)
    for m in range(lo, hi + 1):
        if dim % m == 0:
            return m
    for m in range(lo, 0, -1):
        if dim % m == 0:
            return m
    return 1


class Built:
    """A built index: how to search one query, and what it cost."""

    def __init__(self, engine, index, build_params, search_one, search_all, set_param, param_name, phases, index_bytes, vector_bytes):
        self.engine, self.index, self.build_params = engine, index, build_params
        self.search_one, self.search_all, self.set_param, self.param_name = search_one, search_all, set_param, param_name
        self.phases, self.index_bytes, self.vector_bytes = phases, index_bytes, vector_bytes


def build_hnswlib(xb, metric, m, efc, k):
    import hnswlib

    space = "l2" if metric == "euclidean" else "ip"
    index = hnswlib.Index(space=space, dim=xb.shape[1])
    t0 = time.perf_counter()
    index.init_index(max_elements=xb.shape[0], M=m, ef_construction=efc, random_seed=100)
    index.add_items(xb, np.arange(xb.shape[0]), num_threads=os.cpu_count())
    seconds = time.perf_counter() - t0
    with tempfile.NamedTemporaryFile(suffix=".hnsw") as f:
        index.save_index(f.name)
        size = os.path.getsize(f.name)
    index.set_num_threads(1)

    def search_one(q):
        labels, _ = index.knn_query(q, k=k, num_threads=1)
        return labels[0]

    def search_all(xq, threads):
        labels, _ = index.knn_query(xq, k=k, num_threads=threads)
        return labels

    def set_ef(ef):
        index.set_ef(max(ef, k))

    return Built("hnswlib", "hnsw", {"m": m, "ef_construction": efc}, search_one, search_all, set_ef, "ef",
                 {"add_seconds": round(seconds, 3)}, size, 4.0 * xb.shape[1])


def faiss_metric(faiss, metric):
    return faiss.METRIC_L2 if metric == "euclidean" else faiss.METRIC_INNER_PRODUCT


def faiss_batch(faiss, index, k):
    def search_all(xq, threads):
        faiss.omp_set_num_threads(threads)
        try:
            return index.search(xq, k)[1]
        finally:
            faiss.omp_set_num_threads(1)

    return search_all


def build_faiss_hnsw(xb, metric, m, efc, k):
    import faiss

    faiss.omp_set_num_threads(os.cpu_count())
    index = faiss.IndexHNSWFlat(xb.shape[1], m, faiss_metric(faiss, metric))
    index.hnsw.efConstruction = efc
    t0 = time.perf_counter()
    index.add(xb)
    seconds = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)

    def search_one(q):
        _, labels = index.search(q.reshape(1, -1), k)
        return labels[0]

    def set_ef(ef):
        index.hnsw.efSearch = max(ef, k)

    return Built("faiss", "hnsw", {"m": m, "ef_construction": efc}, search_one, faiss_batch(faiss, index, k), set_ef, "ef",
                 {"add_seconds": round(seconds, 3)}, len(faiss.serialize_index(index)), 4.0 * xb.shape[1])


def build_faiss_ivf(xb, metric, kind, nlist, pqm, k):
    import faiss

    d = xb.shape[1]
    nlist = nlist or max(16, int(round(4 * math.sqrt(xb.shape[0]))))
    faiss.omp_set_num_threads(os.cpu_count())
    quantizer = faiss.IndexFlat(d, faiss_metric(faiss, metric))
    if kind == "ivf-pq":
        m = pqm or pq_m(d)
        index = faiss.IndexIVFPQ(quantizer, d, nlist, m, 8, faiss_metric(faiss, metric))
        params, vector_bytes = {"nlist": nlist, "m": m, "nbits": 8}, float(m)
    else:
        index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss_metric(faiss, metric))
        params, vector_bytes = {"nlist": nlist}, 4.0 * d
    index.cp.max_points_per_centroid = 256
    t0 = time.perf_counter()
    index.train(xb)
    train = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.add(xb)
    add = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)

    def search_one(q):
        _, labels = index.search(q.reshape(1, -1), k)
        return labels[0]

    def set_nprobe(nprobe):
        index.nprobe = min(nprobe, nlist)

    return Built("faiss", kind, params, search_one, faiss_batch(faiss, index, k), set_nprobe, "nprobe",
                 {"train_seconds": round(train, 3), "add_seconds": round(add, 3)}, len(faiss.serialize_index(index)), vector_bytes)


def external_rows(engine, command, thread_counts, pin_each, args, vector_bytes, build_params):
    """Rows from a compiled peer (native hnswlib, USearch under node) that times itself and prints JSON lines: a
    {"build_seconds","index_bytes"} line, then one line per ef, thread count and repeat. With pin_each, one process per
    thread count, pinned to the first N CPUs before it starts (build included); otherwise one process that pins itself."""
    runs = [(command(t), t) for t in thread_counts] if pin_each else [(command(",".join(map(str, thread_counts))), None)]
    rows = []
    for argv, pin in runs:
        preexec = (lambda p=pin: os.sched_setaffinity(0, set(range(min(p, os.cpu_count()))))) if pin else None
        rss0 = rss_bytes()
        out = subprocess.run(argv, check=True, capture_output=True, text=True, preexec_fn=preexec).stdout
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        build, settings = lines[0], lines[1:]
        groups = {}
        for line in settings:
            groups.setdefault((line["ef"], line["threads"]), []).append(line)
        for (ef, t), timings in groups.items():
            timings.sort(key=lambda r: r["qps"])
            median = timings[len(timings) // 2]
            pct = lambda key: None if median[key] < 0 else median[key]
            row = {
                "engine": engine, "index": "hnsw", "build_params": {**build_params, "build_threads": pin or os.cpu_count()},
                "build_seconds": build["build_seconds"], "build_phases": {"add_seconds": build["build_seconds"]},
                "index_bytes": build["index_bytes"], "rss_growth_bytes": 0, "vector_bytes_per_point": vector_bytes,
                "search_params": {"ef": ef}, "threads": t, "call": "single" if t == 1 else "batch", "k": args.k,
                "recall_at_k": round(median["recall"], 5), "qps": median["qps"],
                "p50_us": pct("p50"), "p95_us": pct("p95"), "p99_us": pct("p99"),
            }
            if len(timings) > 1:
                row["qps_repeats"] = [r["qps"] for r in timings]
            rows.append(row)
            print(f"{engine:14s} hnsw     ef={ef:<4d} threads={t} recall@{args.k}={row['recall_at_k']:.4f} QPS={row['qps']:10.1f}", flush=True)
    return rows


def compiled_peers(args, engines, xb, xq, gt, metric, thread_counts):
    """Native hnswlib and USearch (f32, i8): the raw arrays go to a temporary folder their drivers read."""
    wanted = [e for e in engines if e in ("hnswlib-native", "usearch-f32", "usearch-i8")]
    if not wanted:
        return []
    n, dim = xb.shape
    nq, gtk = gt.shape[0], min(gt.shape[1], 100)
    space = "l2" if metric == "euclidean" else "ip"
    params = {"m": args.m, "ef_construction": args.ef_construction}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = [os.path.join(tmp, name) for name in ("base.f32", "query.f32", "truth.i32")]
        xb.astype("<f4").tofile(files[0])
        xq.astype("<f4").tofile(files[1])
        np.ascontiguousarray(gt[:, :gtk], dtype="<i4").tofile(files[2])
        common = [*files, str(n), str(dim), str(nq), str(gtk), space]
        if "hnswlib-native" in wanted:
            binary = os.path.join(args.peers_dir, "bin", "hnswlib_peer")
            rows += external_rows("hnswlib-native", lambda t: [binary, *common, str(args.m), str(args.ef_construction), args.ef, t,
                                                               str(args.k), str(args.min_time), str(args.repeat)],
                                  thread_counts, False, args, 4.0 * dim, params)
        for quant in ("f32", "i8"):
            if f"usearch-{quant}" in wanted:
                script = os.path.join(args.peers_dir, "node", "usearch_peer.mjs")
                rows += external_rows(f"usearch-{quant}", lambda t, q=quant: ["node", script, *common, q, str(args.m), str(args.ef_construction),
                                                                              args.ef, str(t), str(args.k), str(args.min_time), str(args.repeat), tmp],
                                      thread_counts, True, args, (4.0 if quant == "f32" else 1.0) * dim, params)
    return rows


def time_setting(built, xq, threads, min_time):
    """One timing: every query answered once per pass, passes repeated until min_time."""
    if threads > 1:
        found = built.search_all(xq, threads)  # warm-up pass
        calls, t0 = 0, time.perf_counter()
        while calls == 0 or time.perf_counter() - t0 < min_time:
            found = built.search_all(xq, threads)
            calls += len(xq)
        return found, calls / (time.perf_counter() - t0), None, None, None

    found = [built.search_one(q) for q in xq]  # warm-up pass
    latencies = []
    calls, t0 = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - t0 < min_time:
        for i in range(len(xq)):
            start = time.perf_counter()
            found[i] = built.search_one(xq[i])
            latencies.append(time.perf_counter() - start)
        calls += len(xq)
    seconds = time.perf_counter() - t0
    latencies.sort()
    pct = lambda p: round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e6, 1)
    return found, calls / seconds, pct(0.50), pct(0.95), pct(0.99)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--engines", default="hnswlib,faiss")
    ap.add_argument("--indexes", default="hnsw", help="hnsw, ivf-flat, ivf-pq (IVF: FAISS only)")
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=200)
    ap.add_argument("--ef", default="10,16,24,32,48,64,96,128,256")
    ap.add_argument("--nlist", type=int, default=0)
    ap.add_argument("--pq-m", type=int, default=0)
    ap.add_argument("--nprobe", default="1,2,4,8,16,32,64")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--queries", type=int, default=0)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--peers-dir", default=os.path.dirname(os.path.abspath(__file__)),
                    help="bench/peers: bin/hnswlib_peer and node/usearch_peer.mjs (bench/peers/install.sh builds them)")
    args = ap.parse_args()

    meta, xb, xq, gt, metric = load(args.dataset, args.queries)
    engines = args.engines.split(",")
    known = ("hnswlib-native", "hnswlib", "faiss", "usearch-f32", "usearch-i8")
    unknown = [e for e in engines if e not in known]
    if unknown:
        ap.error(f"unknown engine(s) {', '.join(unknown)}; known: {', '.join(known)}")
    threads = [int(t) for t in args.threads.split(",")]
    plans = []
    for kind in args.indexes.split(","):
        if kind == "hnsw":
            if "hnswlib" in engines:
                plans.append(lambda: build_hnswlib(xb, metric, args.m, args.ef_construction, args.k))
            if "faiss" in engines:
                plans.append(lambda: build_faiss_hnsw(xb, metric, args.m, args.ef_construction, args.k))
        elif kind in ("ivf-flat", "ivf-pq") and "faiss" in engines:
            plans.append(lambda kind=kind: build_faiss_ivf(xb, metric, kind, args.nlist, args.pq_m, args.k))

    rows = compiled_peers(args, engines, xb, xq, gt, metric, threads) if "hnsw" in args.indexes.split(",") else []
    for plan in plans:
        os.sched_setaffinity(0, set(range(os.cpu_count())))
        rss0 = rss_bytes()
        built = plan()
        rss_growth = rss_bytes() - rss0
        values = [int(v) for v in (args.ef if built.param_name == "ef" else args.nprobe).split(",")]
        for value in values:
            built.set_param(value)
            for t in threads:
                os.sched_setaffinity(0, set(range(min(t, os.cpu_count()))))
                timings = sorted((time_setting(built, xq, t, args.min_time) for _ in range(args.repeat)), key=lambda r: r[1])
                found, qps, p50, p95, p99 = timings[len(timings) // 2]
                row = {
                    "engine": built.engine, "index": built.index, "build_params": built.build_params,
                    "build_seconds": round(sum(built.phases.values()), 3), "build_phases": built.phases,
                    "index_bytes": built.index_bytes, "rss_growth_bytes": rss_growth, "vector_bytes_per_point": built.vector_bytes,
                    "search_params": {built.param_name: value}, "threads": t, "call": "single" if t == 1 else "batch", "k": args.k,
                    "recall_at_k": round(recall(found, gt, args.k), 5), "qps": round(qps, 1),
                    "p50_us": p50, "p95_us": p95, "p99_us": p99,
                }
                if args.repeat > 1:
                    row["qps_repeats"] = [round(r[1], 1) for r in timings]
                rows.append(row)
                print(f"{built.engine:8s} {built.index:8s} {built.param_name}={value:<4d} threads={t} "
                      f"recall@{args.k}={row['recall_at_k']:.4f} QPS={qps:10.1f} p99={'-' if p99 is None else p99} us", flush=True)
        del built

    report = {"dataset": meta["name"], "metric": metric, "n": int(xb.shape[0]), "dim": int(xb.shape[1]), "runs": rows}
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()

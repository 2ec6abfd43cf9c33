#!/usr/bin/python3
"""FAISS IndexFlatL2 (Debian's python3-faiss) on a dataset in the ../shared/data layout, queried one query per call,
as `bench ann --index flat` does. Prints recall@k, QPS and latency percentiles as JSON in the bench ann run schema.

    taskset -c 0 /usr/bin/python3 bench/peers/faiss_flat.py /tmp/data/fashion-mnist-784-euclidean [--queries 2000] [--threads 1]
"""
import argparse, gzip, json, os, time
import numpy as np
import faiss


def read_vecs(path, dtype):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(dtype)


def resolve(folder, name):
    path = os.path.join(folder, name)
    if os.path.exists(path):
        return path
    alt = path[:-3] if path.endswith(".gz") else path + ".gz"
    return alt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("--queries", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args()
    meta = json.load(open(os.path.join(args.dataset, "dataset.json")))
    base = read_vecs(resolve(args.dataset, meta["base"]), np.float32)
    queries = read_vecs(resolve(args.dataset, meta["query"]), np.float32)
    truth = read_vecs(resolve(args.dataset, meta["groundtruth"]), np.int32)
    if args.queries:
        queries, truth = queries[: args.queries], truth[: args.queries]
    faiss.omp_set_num_threads(args.threads)
    start = time.perf_counter()
    index = faiss.IndexFlatL2(base.shape[1])
    index.add(base)
    build = time.perf_counter() - start
    for q in queries[:20]:
        index.search(q.reshape(1, -1), args.k)
    latencies, found = [], []
    start = time.perf_counter()
    for q in queries:
        t0 = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), args.k)
        latencies.append((time.perf_counter() - t0) * 1e6)
        found.append(ids[0])
    seconds = time.perf_counter() - start
    recall = np.mean([len(set(f) & set(t[: args.k])) / args.k for f, t in zip(found, truth)])
    latencies.sort()
    print(json.dumps({
        "index": "faiss-IndexFlatL2", "faiss_version": faiss.__version__, "threads": args.threads, "k": args.k,
        "build_seconds": round(build, 3), "recall_at_k": round(float(recall), 5),
        "qps": round(len(queries) / seconds, 1),
        "p50_us": round(latencies[len(latencies) // 2], 1), "p99_us": round(latencies[int(len(latencies) * 0.99) - 1], 1),
    }))


if __name__ == "__main__":
    main()

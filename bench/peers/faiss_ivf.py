#!/usr/bin/python3
"""FAISS IVF peer for `bench ann --index ivf-*`: the same nlist, m, nbits, nprobe and training sample rule.

Builds faiss.IndexIVFPQ (or IndexIVFFlat) on a TEXMEX dataset folder, times training and adding separately with the
given thread count, then sweeps nprobe: recall@10, single-thread QPS with one query per call (pinned to CPU 0, as
../shared/peers/ann_peers.py measures) and batch QPS (all queries in one call, no per-call Python cost).

    /usr/bin/python3 bench/peers/faiss_ivf.py /tmp/data/sift-bigann-10k-euclidean --kind pq --threads 1 \
        --max-points-per-centroid 64 --nprobe 1,2,4,8,16,32,64,128,256 [--nlist N] [--m M] [--json out.json]

Needs Debian's python3-faiss and python3-numpy (see ../shared/peers/README.md).
"""
import argparse
import json
import math
import os
import time

import numpy as np

# One reader, one PQ width rule and one recall for both peer drivers.
from ann_peer import pq_m, read_vecs, recall


def load(folder):
    meta = json.load(open(os.path.join(folder, "dataset.json")))
    base = read_vecs(os.path.join(folder, meta["base"].removesuffix(".gz")), np.float32)
    query = read_vecs(os.path.join(folder, meta["query"].removesuffix(".gz")), np.float32)
    truth = read_vecs(os.path.join(folder, meta["groundtruth"]), np.int32)
    return meta, np.ascontiguousarray(base), np.ascontiguousarray(query), truth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset")
    ap.add_argument("--kind", choices=("pq", "flat"), default="pq")
    ap.add_argument("--nlist", type=int, default=0, help="default 4*sqrt(n), as the peers")
    ap.add_argument("--m", type=int, default=0, help="default dim/8 or the nearest divisor, as the peers")
    ap.add_argument("--threads", type=int, default=1, help="threads for training and adding")
    ap.add_argument("--max-points-per-centroid", type=int, default=64)
    ap.add_argument("--nprobe", default="1,2,4,8,16,32,64,128,256")
    ap.add_argument("--queries", type=int, default=0)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    import faiss

    meta, xb, xq, gt = load(args.dataset)
    if args.queries:
        xq, gt = xq[: args.queries], gt[: args.queries]
    n, d = xb.shape
    nlist = args.nlist or max(16, int(round(4 * math.sqrt(n))))
    m = args.m or pq_m(d)
    os.sched_setaffinity(0, set(range(args.threads)))
    faiss.omp_set_num_threads(args.threads)
    quantizer = faiss.IndexFlatL2(d)
    if args.kind == "pq":
        index = faiss.IndexIVFPQ(quantizer, d, nlist, m, 8)
    else:
        index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_L2)
    index.cp.max_points_per_centroid = args.max_points_per_centroid
    t0 = time.perf_counter()
    index.train(xb)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.add(xb)
    add_s = time.perf_counter() - t0
    print(f"faiss {faiss.__version__} IVF{nlist},{'PQ%dx8' % m if args.kind == 'pq' else 'Flat'} n={n} d={d} "
          f"threads={args.threads}: train {train_s:.2f} s, add {add_s:.2f} s")

    os.sched_setaffinity(0, {0})
    faiss.omp_set_num_threads(1)
    rows = []
    for nprobe in [int(v) for v in args.nprobe.split(",")]:
        if nprobe > nlist:
            continue
        index.nprobe = nprobe
        _, found = index.search(xq, 10)
        r = recall(found, gt, 10)
        calls, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < args.min_time:
            for q in xq:
                index.search(q.reshape(1, -1), 10)
            calls += len(xq)
        single = calls / (time.perf_counter() - t0)
        calls, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < args.min_time:
            index.search(xq, 10)
            calls += len(xq)
        batch = calls / (time.perf_counter() - t0)
        rows.append({"nprobe": nprobe, "recall": round(r, 5), "qps_single": round(single, 1), "qps_batch_1t": round(batch, 1)})
        print(f"nprobe={nprobe:4d} recall@10={r:.4f} QPS(one query per call)={single:9.1f} QPS(batch, 1 thread)={batch:9.1f}")
    if args.json:
        json.dump({"nlist": nlist, "m": m, "train_s": train_s, "add_s": add_s, "threads": args.threads, "runs": rows},
                  open(args.json, "w"), indent=2)


if __name__ == "__main__":
    main()

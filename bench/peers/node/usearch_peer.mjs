// USearch for `bench peers` (engines "usearch-f32", "usearch-i8"): the npm package's compiled index, called directly
// (its JS wrapper converts every input to float32, which would hide the int8 vectors below from it).
//
//   node usearch_peer.mjs BASE.f32 QUERY.f32 TRUTH.i32 N DIM NQ GTK l2|ip f32|i8 M EFC EF,EF,... THREADS K MIN_SECONDS REPEAT TMPDIR
//
// Inputs are raw little-endian arrays written by ann_peer.py; the parent pins this process to the first THREADS CPUs.
// The index is built on THREADS threads, saved, and loaded again for each ef (the npm API fixes expansion_search when
// an index is made). Timing as bench ann: one warm-up pass, then the query set repeated until MIN_SECONDS; one query
// per call with 1 thread, one batch call on THREADS threads otherwise. i8 with L2: the vectors are mapped to int8 with
// one affine range for all values and given to USearch as int8 (its own f32 to i8 cast normalises each vector, which
// only keeps cosine rankings: measured 0.77 recall@10 on SIFT-10k that way). Prints JSON lines: one {"build_seconds","index_bytes"}, then per setting
// {"ef","threads","qps","recall","p50","p95","p99"}.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const compiled = createRequire(import.meta.url)("node-gyp-build")(path.join(here, "node_modules", "usearch"));

const [basePath, queryPath, truthPath, nArg, dimArg, nqArg, gtkArg, metricArg, quant, mArg, efcArg, efsArg, threadsArg, kArg, minArg, repeatArg, tmp] =
  process.argv.slice(2);
const [n, dim, nq, gtk, m, efc, threads, k, repeat] = [nArg, dimArg, nqArg, gtkArg, mArg, efcArg, threadsArg, kArg, repeatArg].map(Number);
const minSeconds = Number(minArg);
const read = (file, Type) => {
  const bytes = fs.readFileSync(file);
  return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
};
let base = read(basePath, Float32Array);
let queries = read(queryPath, Float32Array);
const truth = read(truthPath, Int32Array);
const metric = metricArg === "l2" ? "l2sq" : "cos";

if (quant === "i8" && metric === "l2sq") {
  let lo = Infinity, hi = -Infinity;
  for (const v of base) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const mid = (lo + hi) / 2, scale = hi > lo ? 254 / (hi - lo) : 1;
  const toInt8 = (values) => Int8Array.from(values, (v) => Math.max(-127, Math.min(127, Math.round((v - mid) * scale))));
  base = toInt8(base);
  queries = toInt8(queries);
}

const make = (ef) => new compiled.CompiledIndex(dim, metric, quant, m, efc, ef, false);
const built = make(efc);
const keys = BigUint64Array.from({ length: n }, (_, i) => BigInt(i));
const buildStart = process.hrtime.bigint();
built.add(keys, base, threads);
const buildSeconds = Number(process.hrtime.bigint() - buildStart) / 1e9;
const saved = path.join(tmp, `usearch-${quant}.index`);
built.save(saved);
console.log(JSON.stringify({ build_seconds: Number(buildSeconds.toFixed(3)), index_bytes: fs.statSync(saved).size }));

const row = (i) => queries.subarray(i * dim, (i + 1) * dim);
for (const ef of efsArg.split(",").map(Number)) {
  const index = make(Math.max(ef, k));
  index.load(saved);
  const found = new Array(nq);
  const pass = (latencies) => {
    if (threads > 1) {
      const [keys, , counts] = index.search(queries, k, threads);
      for (let i = 0; i < nq; i++) found[i] = keys.subarray(i * k, i * k + Number(counts[i]));
      return;
    }

    for (let i = 0; i < nq; i++) {
      const start = process.hrtime.bigint();
      const [keys, , counts] = index.search(row(i), k, 1);
      found[i] = keys.subarray(0, Number(counts[0]));
      if (latencies) latencies.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
  };
  for (let r = 0; r < repeat; r++) {
    pass(null);
    const latencies = [];
    let calls = 0, seconds = 0;
    const start = process.hrtime.bigint();
    while (calls === 0 || seconds < minSeconds) {
      pass(latencies);
      calls += nq;
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
    }
    let hits = 0;
    for (let i = 0; i < nq; i++) {
      const expected = new Set(truth.subarray(i * gtk, i * gtk + k));
      for (const key of found[i]) hits += expected.has(Number(key)) ? 1 : 0;
    }
    latencies.sort((a, b) => a - b);
    const pct = (p) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1)) : -1);
    console.log(JSON.stringify({ ef, threads, qps: Number((calls / seconds).toFixed(1)), recall: hits / (nq * k), p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) }));
  }
}

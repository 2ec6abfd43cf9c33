#!/usr/bin/env bash
# One command for a side-by-side report: VectorEngine (HNSW with float and int8 codes, IVF-PQ) and the peers (native
# and Python hnswlib, FAISS, USearch f32 and i8) on the shared datasets (images, SIFT, real MiniLM text embeddings), each
# sweep timed with 1 and 2 threads in the same sitting, rendered with charts.
#
#   bash bench/report.sh [DATA_DIR=/tmp/data] [OUT_DIR=bench/reports/example]
#
# DATA_DIR is filled from ../shared/data when empty; QUERIES=N (default 2000) limits the query set.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-/tmp/data}
OUT=${2:-bench/reports/example}
QUERIES=${QUERIES:-2000}
DATASETS=(fashion-mnist-784-euclidean sift-bigann-10k-euclidean jobs-minilm-384-angular)

if [ ! -d "$DATA/${DATASETS[0]}" ]; then bash ../shared/data/decompress.sh "$DATA"; fi
if ! /usr/bin/python3 -c "import hnswlib, faiss" 2>/dev/null || [ ! -x bench/peers/bin/hnswlib_peer ] || [ ! -d bench/peers/node/node_modules/usearch ]; then
  bash bench/peers/install.sh
fi
dotnet build -c Release bench/VectorEngine.Bench -v quiet -nologo
BENCH=(dotnet bench/VectorEngine.Bench/bin/Release/net10.0/VectorEngine.Bench.dll)
mkdir -p "$OUT"
for ds in "${DATASETS[@]}"; do
  rm -f "$OUT/$ds-hnsw.json" "$OUT/$ds-hnsw-int8.json" "$OUT/$ds-ivf-pq.json"
  "${BENCH[@]}" ann --dataset "$DATA/$ds" --index hnsw --m 16 --ef-construction 200 --sweep ef=10,16,24,32,48,64,96,128 \
      --threads 1,2 --pin --queries "$QUERIES" --quiet --out "$OUT/$ds-hnsw.json"
  "${BENCH[@]}" peers --dataset "$DATA/$ds" --indexes hnsw --m 16 --ef-construction 200 --ef 10,16,24,32,48,64,96,128 \
      --engines hnswlib-native,hnswlib,faiss,usearch-f32 --threads 1,2 --queries "$QUERIES" --quiet --out "$OUT/$ds-hnsw.json"
  "${BENCH[@]}" ann --dataset "$DATA/$ds" --index hnsw-int8 --m 16 --ef-construction 200 --sweep ef=10,16,24,32,48,64,96,128 \
      --threads 1,2 --pin --queries "$QUERIES" --quiet --out "$OUT/$ds-hnsw-int8.json"
  "${BENCH[@]}" peers --dataset "$DATA/$ds" --indexes hnsw --m 16 --ef-construction 200 --ef 10,16,24,32,48,64,96,128,256,512 \
      --engines usearch-i8 --threads 1,2 --queries "$QUERIES" --quiet --out "$OUT/$ds-hnsw-int8.json"
  "${BENCH[@]}" ann --dataset "$DATA/$ds" --index ivf-pq --sweep nprobe=1,2,4,8,16,32,64 \
      --threads 1,2 --pin --queries "$QUERIES" --quiet --out "$OUT/$ds-ivf-pq.json"
  "${BENCH[@]}" peers --dataset "$DATA/$ds" --engines faiss --indexes ivf-pq --nprobe 1,2,4,8,16,32,64 \
      --threads 1,2 --queries "$QUERIES" --quiet --out "$OUT/$ds-ivf-pq.json"
done
"${BENCH[@]}" report "$OUT"/*-hnsw.json "$OUT"/*-hnsw-int8.json "$OUT"/*-ivf-pq.json --out "$OUT"

#!/usr/bin/env bash
# The hardness table of the project's datasets and the law bench plan --data (and plan-check --check-dataset) moves a
# calibration by: nine datasets of different shapes (real text embeddings, images, SIFT; generated clusters, skewed
# Gaussians and text-like clusters), each an HNSW ef sweep at 10,000 points (SIFT-10k's 9,000), then bench hardness.
#
#   bash bench/hardness-table.sh [DATA_DIR=/tmp/data] [OUT_DIR=bench/reports/hardness]
#
# DATA_DIR is filled from ../shared/data when empty; the generated sets go to a temporary folder removed at the end.
# About four minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-/tmp/data}
OUT=${2:-bench/reports/hardness}
EFS=10,12,16,20,24,32,40,48,64,96,128,192,256,384
REAL=(jobs-minilm-384-angular fashion-mnist-784-euclidean sift-bigann-10k-euclidean)
GENERATED=("text-like 384" "clustered 128" "clustered 384" "gaussian 32" "gaussian 64" "gaussian 128")

if [ ! -d "$DATA/${REAL[0]}" ]; then bash ../shared/data/decompress.sh "$DATA"; fi
dotnet build -c Release bench/VectorEngine.Bench -v quiet -nologo
BENCH=(dotnet bench/VectorEngine.Bench/bin/Release/net10.0/VectorEngine.Bench.dll)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
rm -f "$OUT"/ann-*.json
sets=()
for ds in "${REAL[@]}"; do sets+=("$DATA/$ds"); done
for spec in "${GENERATED[@]}"; do
  read -r kind dim <<< "$spec"
  "${BENCH[@]}" gen --kind "$kind" --n 20000 --dim "$dim" --seed 5 --queries 500 --k 10 --out "$WORK/gen-$kind-$dim" > /dev/null
  sets+=("$WORK/gen-$kind-$dim")
done
for set in "${sets[@]}"; do
  "${BENCH[@]}" ann --dataset "$set" --index hnsw --points 10000 --m 16 --ef-construction 100 --sweep "ef=$EFS" \
      --queries 500 --quiet --out "$OUT/ann-$(basename "$set").json" > /dev/null
done
"${BENCH[@]}" hardness --reports "$OUT"/ann-*.json --out "$OUT/law.json"

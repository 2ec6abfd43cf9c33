#!/usr/bin/env bash
# The whole default test suite: build, all tests, then the distance, int8, k-means and PQ kernel tests again at every
# lower SIMD width (.NET 10: these switches turn off Vector512, then Vector256, then all hardware intrinsics).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet build VectorEngine.sln -c Release
for project in tests/VectorCore.Tests tests/Hnsw.Tests tests/Tiers.Tests tests/Quantization.Tests tests/Embeddings.Tests tests/Matching.Tests tests/VectorData.Tests tests/Server.Tests tests/Sharding.Tests tests/Cluster.Tests tests/Bench.Tests; do
  dotnet test "$project" -c Release --no-build --logger "console;verbosity=normal" | tee -a "$log"
done
for isa in DOTNET_EnableAVX512=0 DOTNET_EnableAVX2=0 DOTNET_EnableHWIntrinsic=0; do
  echo "== distance kernels with $isa =="
  env "$isa" dotnet test tests/VectorCore.Tests -c Release --no-build --filter "FullyQualifiedName~VectorEngine.Tests.Distances" | tee -a "$log"
  env "$isa" dotnet test tests/Quantization.Tests -c Release --no-build \
    --filter "FullyQualifiedName~ByteDotTests|FullyQualifiedName~KMeansTests|FullyQualifiedName~ProductQuantizerTests" | tee -a "$log"
done
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }')
echo "$passed passed, $failed failed"

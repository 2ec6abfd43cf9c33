#!/usr/bin/env bash
# The peers `bench peers` runs (root, or sudo when available): Debian's hnswlib and FAISS for its /usr/bin/python3, the
# native hnswlib driver compiled for this CPU from Debian's headers (bench/peers/bin/hnswlib_peer), and USearch from npm
# for node (bench/peers/node/node_modules).
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq python3-hnswlib python3-faiss python3-numpy python3-h5py libopenblas0-openmp libhnswlib-dev g++
# Node from Debian only where none is there: a NodeSource node bundles its own npm, which Debian's npm conflicts with.
command -v npm > /dev/null || $SUDO apt-get install -y -qq nodejs npm
/usr/bin/python3 -c "import hnswlib, faiss, numpy; print('hnswlib, faiss', faiss.__version__, 'ready')"
mkdir -p bin
g++ -O3 -march=native -std=c++17 -o bin/hnswlib_peer native/hnswlib_peer.cpp -lpthread
(cd node && npm install --no-audit --no-fund --silent)
(cd node && node --input-type=module -e "await import('usearch'); console.log('usearch ready')")
echo "native hnswlib: $(pwd)/bin/hnswlib_peer"

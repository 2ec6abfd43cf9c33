#!/usr/bin/env bash
# The peers `bench peers` runs: Debian's hnswlib and FAISS for its /usr/bin/python3 (root, or sudo when available).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq python3-hnswlib python3-faiss python3-numpy python3-h5py libopenblas0-openmp
/usr/bin/python3 -c "import hnswlib, faiss, numpy; print('hnswlib, faiss', faiss.__version__, 'ready')"

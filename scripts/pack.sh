#!/usr/bin/env bash
# Packs every library under src/ (VectorEngine.Packages.slnf: not the server, an application) into one NuGet package each, with its symbol package
# (.snupkg), into OUTDIR (default ./artifacts/packages). Extra arguments go to dotnet pack, e.g. -p:Version=1.0.0 or
# --no-build after a build (CONFIGURATION=Debug packs a Debug build; default Release).
#   bash scripts/pack.sh [OUTDIR] [dotnet pack arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out="${1:-artifacts/packages}"
shift || true
mkdir -p "$out"
dotnet pack VectorEngine.Packages.slnf -c "${CONFIGURATION:-Release}" -o "$out" "$@"
ls -1 "$out"

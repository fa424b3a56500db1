#!/usr/bin/env bash
# Fovea's test command (README, .ci/run): builds in Release and runs every test project, then re-runs the
# kernel and op tests on the narrower SIMD paths (AVX-512 off, then AVX2 off too), and prints one plain
# summary line "N passed, N failed, N skipped" over all runs.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
rc=0
dotnet test Fovea.slnx -c Release "$@" 2>&1 | tee -a "$log" || rc=1
filter="FullyQualifiedName~Fovea.Tests.Ops|FullyQualifiedName~Fovea.Tests.Kernels"
echo "== kernels and ops with AVX-512 disabled"
DOTNET_EnableAVX512F=0 dotnet test tests/Fovea.Tests -c Release --no-build --filter "$filter" 2>&1 | tee -a "$log" || rc=1
echo "== kernels and ops with AVX2 and AVX-512 disabled"
DOTNET_EnableAVX2=0 DOTNET_EnableAVX512F=0 dotnet test tests/Fovea.Tests -c Release --no-build --filter "$filter" 2>&1 | tee -a "$log" || rc=1
summary=$(grep -E "^(Passed|Failed)!" "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/' |
  awk '{f+=$1; p+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped", p, f, s}')
rm -f "$log"
echo
echo "$summary"
exit "$rc"

#!/usr/bin/env bash
# ViT-B/32 forward / forward+backward: DJL (PyTorch engine) vs Debian's PyTorch, same run, same machine.
# Usage (from anywhere): bench/vit-bench.sh [--batch 16] [--warmup 2] [--reps 7] [--skip-python]
# Needs: apt-get install -y python3-torch libopenblas0-pthread  (for the PyTorch side)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cp_file="$root/bench/target/vit-bench.classpath"
mvn -o -q -pl bench -am compile dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime >/dev/null
cp="$root/bench/target/classes:$root/torch/target/classes:$root/core/target/classes:$root/data/target/classes:$(cat "$cp_file")"
export OPT_OUT_TRACKING=true
. "$root/scripts/mkl-shim.sh"
adamerge_mkl_shim "$root"
exec java -Xmx4g -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.adamerge.bench.VitBenchmark \
  --script "$root/bench/python/vit_bench.py" "$@"

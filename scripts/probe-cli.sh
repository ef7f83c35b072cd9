#!/usr/bin/env bash
# Replays issue 13's kinds of cases against the built command line (./adamerge) and counts: cases tried, bad inputs
# answered with one clear error line, exit codes, temporaries left behind, inputs changed. See probe-cli.py.
# Usage: scripts/probe-cli.sh [--quick] [--json FILE]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/adamerge" --version >/dev/null   # builds the jar once, before the timed cases
exec python3 "$root/scripts/probe-cli.py" "$@"

#!/usr/bin/env bash
# Sourced by ./adamerge, scripts/test.sh and bench/vit-bench.sh: on x86-64 Linux CPUs that are not Intel's,
# compiles native/mkl-shim once into the user's cache and adds it to LD_PRELOAD, so libtorch's oneMKL uses
# the AVX2/AVX-512 SGEMM kernels instead of its generic path (see native/mkl-shim/mkl_intel_cpu_true.c).
# ADAMERGE_FAST_MKL=0 turns it off; results stay deterministic for either path but round differently.
adamerge_mkl_shim() {
  local root="$1"
  [ "${ADAMERGE_FAST_MKL:-1}" = "0" ] && return 0
  [ "$(uname -s 2>/dev/null)" = "Linux" ] && [ "$(uname -m 2>/dev/null)" = "x86_64" ] || return 0
  grep -q -m1 'GenuineIntel' /proc/cpuinfo 2>/dev/null && return 0
  local src="$root/native/mkl-shim/mkl_intel_cpu_true.c"
  [ -f "$src" ] || return 0
  local sum
  sum="$(sha256sum "$src" | cut -c1-16)"
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/adamerge/native/$sum"
  local lib="$dir/libmklshim.so"
  if [ ! -f "$lib" ]; then
    local cc="${CC:-cc}"
    if ! command -v "$cc" >/dev/null 2>&1; then
      echo "adamerge: no C compiler, so oneMKL runs its slower generic kernels on this non-Intel CPU; install gcc (apt-get install gcc) to enable the fast path, or set ADAMERGE_FAST_MKL=0 to silence this" >&2
      return 0
    fi
    mkdir -p "$dir"
    local tmp="$dir/.libmklshim.$$.so"
    if ! "$cc" -O2 -shared -fPIC -o "$tmp" "$src" 2>/dev/null; then
      rm -f "$tmp"
      echo "adamerge: could not compile $src; oneMKL runs its generic kernels (ADAMERGE_FAST_MKL=0 silences this)" >&2
      return 0
    fi
    mv -f "$tmp" "$lib"
  fi
  export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
}

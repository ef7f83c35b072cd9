/*
 * oneMKL (statically linked into libtorch) picks its SGEMM kernels by CPU vendor: on CPUs that are not
 * Intel it falls back to a generic SSE path even when the CPU has AVX2/AVX-512. MKL asks this internal
 * function whether the CPU is Intel; preloading a library that answers "yes" makes it use the kernels the
 * CPU actually supports. Only preloaded on non-Intel x86-64 Linux CPUs (scripts/mkl-shim.sh), and
 * ADAMERGE_FAST_MKL=0 turns it off.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }

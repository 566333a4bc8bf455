// Test-only kernel set: the AVX-512 variant's code (16 lanes, 6×32 GEMM tile, same packing
// and tails) compiled for AVX2, where GCC splits each 16-lane vector into two. It lets the
// conformance suite check the 16-lane logic on machines without AVX-512 (setIsa("avx512-emulated")).
#include <cmath>
#include <cstdlib>
#include <cstring>
#include "isa.h"
#if defined(__x86_64__)
#pragma GCC target("avx2,fma")
#define DEEPTS_ISA 3
#define DEEPTS_NS isa_avx512emu
#define DEEPTS_NAME "avx512-emulated"
#define DEEPTS_TABLE kAvx512EmulatedTable
#include "kernels.inc"
#endif

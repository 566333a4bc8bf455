// Kernels compiled for the 'avx512' instruction set; chosen at run time (addon.cc).
#include <cmath>
#include <cstdlib>
#include <cstring>
#include "isa.h"
#if defined(__x86_64__)
#pragma GCC target("avx512f,avx512vl,avx512dq,fma")
#define DEEPTS_ISA 3
#define DEEPTS_AVX512 1  // real AVX-512 (the emulated variant is DEEPTS_ISA 3 on AVX2)
#define DEEPTS_NS isa_avx512
#define DEEPTS_NAME "avx512"
#define DEEPTS_TABLE kAvx512Table
#include "kernels.inc"
#endif

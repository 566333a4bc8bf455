// Kernels compiled for the 'avx2' instruction set; chosen at run time (addon.cc).
#include <cmath>
#include <cstdlib>
#include <cstring>
#include "isa.h"
#if defined(__x86_64__)
#pragma GCC target("avx2,fma")
#define DEEPTS_ISA 2
#define DEEPTS_NS isa_avx2
#define DEEPTS_NAME "avx2"
#define DEEPTS_TABLE kAvx2Table
#include "kernels.inc"
#endif

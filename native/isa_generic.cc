// Kernels compiled for the 'generic' instruction set; chosen at run time (addon.cc).
#include <cmath>
#include <cstdlib>
#include <cstring>
#include "isa.h"
#define DEEPTS_ISA 1
#define DEEPTS_NS isa_generic
#define DEEPTS_NAME "generic"
#define DEEPTS_TABLE kGenericTable
#include "kernels.inc"

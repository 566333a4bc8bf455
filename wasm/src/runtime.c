/* The libc functions clang may emit calls to in a -nostdlib build (lowered to memory.fill / memory.copy with -mbulk-memory). */
#include <stddef.h>

__attribute__((no_builtin)) void *memset(void *dst, int value, size_t n) {
  __builtin_memset(dst, value, n);
  return dst;
}

__attribute__((no_builtin)) void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  __builtin_memcpy(dst, src, n);
  return dst;
}

__attribute__((no_builtin)) void *memmove(void *dst, const void *src, size_t n) {
  __builtin_memmove(dst, src, n); /* memory.copy allows overlap */
  return dst;
}

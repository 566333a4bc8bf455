/* The two libc functions clang may emit calls to in a -nostdlib build. */
#include <stddef.h>

__attribute__((no_builtin)) void *memset(void *dst, int value, size_t n) {
  __builtin_memset(dst, value, n); /* lowered to memory.fill with -mbulk-memory */
  return dst;
}

__attribute__((no_builtin)) void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  __builtin_memcpy(dst, src, n); /* lowered to memory.copy with -mbulk-memory */
  return dst;
}

// Overflow-safe size arithmetic for the addon's argument checks.
//
// Each entry point compares a typed array's length with a product of dimensions (rows × cols,
// m × k, ...). Computed in plain size_t such a product can wrap around (2^32 × 2^32 = 0), the
// length check then passes and the kernel runs far past the end of the array. Every
// dimension is therefore an integer in [0, kMaxElements] and every product is checked, so a
// product that does not fit is an error, never a small number.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace deepts {

// Largest dimension or element count accepted: beyond any typed array V8 can allocate, and
// small enough that a fraction or a wrapped product cannot hide in a double or a uint64.
constexpr uint64_t kMaxElements = uint64_t(1) << 48;

// Is v (a JS number) an integer in [0, kMaxElements]? Rejects NaN, fractions, negatives, infinities.
inline bool isDimension(double v) { return v >= 0 && v <= double(kMaxElements) && v == double(uint64_t(v)); }

// a × b into *out, false if the result exceeds kMaxElements.
inline bool mulChecked(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > kMaxElements / a) return false;
  *out = a * b;
  return *out <= kMaxElements;
}

// acc + a × b into *acc (for "last element reached through strides"), false beyond kMaxElements.
inline bool mulAddChecked(uint64_t* acc, uint64_t a, uint64_t b) {
  uint64_t p = 0;
  if (!mulChecked(a, b, &p) || p > kMaxElements - *acc) return false;
  *acc += p;
  return true;
}

// The product of dims into *out; false if a dim is out of range or the product exceeds
// kMaxElements. A zero dim makes the product 0 whatever the others are.
inline bool productChecked(std::initializer_list<long> dims, size_t* out) {
  for (long d : dims)
    if (d < 0 || uint64_t(d) > kMaxElements) return false;
  for (long d : dims)
    if (d == 0) { *out = 0; return true; }
  uint64_t p = 1;
  for (long d : dims)
    if (!mulChecked(p, uint64_t(d), &p)) return false;
  *out = size_t(p);
  return true;
}

}  // namespace deepts

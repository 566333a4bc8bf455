// The per-instruction-set kernel table. Each ISA variant (isa_avx512.cc, isa_avx2.cc,
// isa_generic.cc) compiles kernels.inc with its own target and fills one of these; the
// addon picks a table at run time from the CPU's features (see addon.cc).
#pragma once
#include <stdint.h>
#include "ops.generated.h"

namespace deepts {

struct GemmArgs {
  const float* a;
  const float* b;
  float* c;
  long m, n, k;
  bool transA, transB, accumulate;
};

// Conv2DGeometry of src/backend/conv-geometry.ts (NHWC data, weights [kH, kW, inC, outC]).
struct ConvGeom {
  long batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft;
  // Winograd for 3×3 stride-1 passes (native/conv-winograd.inc): kConvWinogradAuto (0, what a
  // 15-value initializer leaves) by the measured rule, or forced off / on where eligible.
  int winograd;
};
constexpr int kConvWinogradAuto = 0, kConvWinogradNever = 1, kConvWinogradAlways = 2;
// The GEMM a convolution runs its products on (the caller's: threaded natively).
typedef void (*ConvGemmFn)(void* ctx, const GemmArgs& g);

struct IsaTable {
  const char* name;
  int lanes;
  int mr, nr;  // micro-tile, used by the threaded driver to split work on tile boundaries
  int tileCols;  // columns one micro-kernel call computes: nr, or 2·nr where the wide tile spans two panels (AVX-512)
  // Serial blocked GEMM of the output block rows [i0, i1) × cols [j0, j1).
  long kc, nc;  // cache blocking of the depth and of the columns
  void (*gemm)(const GemmArgs& g, long i0, long i1, long j0, long j1);
  // Threaded GEMM pieces: pack columns [j0, j0+nc) × depth [p0, p0+kc) of op(B) into NR-panels
  // at Bp; then compute rows [ic, ic+mc) of C against a packed block (add: C += instead of =).
  void (*packB)(const GemmArgs& g, long p0, long kc, long j0, long nc, float* Bp);
  void (*gemmRowBlock)(const GemmArgs& g, const float* Bp, long ic, long mc, long pc, long kc, long jc, long nc, bool add);
  void (*unary)(int op, const float* x, float* out, long n, float alpha);
  void (*unaryBackward)(int op, const float* x, const float* y, const float* dy, float* out, long n, float alpha);
  // out[i] = a[i] ∘ b[i] / a ∘ b[i] / a[i] ∘ b for i < n.
  void (*binaryVV)(int op, const float* a, const float* b, float* out, long n);
  void (*binarySV)(int op, float a, const float* b, float* out, long n);
  void (*binaryVS)(int op, const float* a, float b, float* out, long n);
  // out[o, i] = reduce over r of x[o, r, i] for o in [o0, o1) (x is outer × red × inner).
  void (*reduce)(int op, const float* x, float* out, long outer, long red, long inner, long o0, long o1);
  // Rows [r0, r1) of out = act(x + bias).
  void (*biasAct)(const float* x, const float* bias, int act, float alpha, float* out, long cols, long r0, long r1);
  // Columns [c0, c1) of dz = dy * act'(y) and dbias = column sums of dz.
  void (*biasActBackward)(const float* y, const float* dy, int act, float alpha, float* dz, float* dbias,
                          long rows, long cols, long c0, long c1);
  void (*softmax)(const float* x, float* out, long cols, long r0, long r1, bool log);
  // Peak-FMA loop for the benchmark: runs `iters` iterations of independent FMAs, returns flops done.
  double (*fmaPeakLoop)(long iters);
  // One optimizer update over elements [i0, i1): w, g and the rule's state arrays s0..s2.
  void (*optimizerStep)(int rule, float* w, const float* g, float* s0, float* s1, float* s2, const float* h, long i0, long i1);
  // Convolutions (native/conv.inc) with `col`, a scratch buffer of colFloats floats; pooling over images [n0, n1).
  void (*conv2d)(const ConvGeom& c, const float* x, const float* w, float* out, float* col, long colFloats, ConvGemmFn gemm, void* ctx);
  void (*conv2dBackpropInput)(const ConvGeom& c, const float* dy, const float* w, float* dx, float* col, long colFloats, ConvGemmFn gemm, void* ctx);
  void (*conv2dBackpropFilter)(const ConvGeom& c, const float* x, const float* dy, float* dw, float* col, long colFloats, ConvGemmFn gemm, void* ctx);
  void (*pool2d)(int op, const ConvGeom& c, const float* x, float* out, long n0, long n1);
  void (*pool2dBackward)(int op, const ConvGeom& c, const float* x, const float* y, const float* dy, float* dx, long n0, long n1);
  // Fused pointwise loss (LossOp) over elements [i0, i1): returns Σ f(p, t); writes grad = scale · ∂f/∂p unless grad is null.
  double (*pointwiseLoss)(int op, const float* p, const float* t, float* grad, float scale, long i0, long i1);
  // A conv epilogue fused with non-overlapping max pooling (native/conv-pool.inc), over images [n0, n1).
  void (*biasActPool)(int act, const ConvGeom& c, const float* z, const float* bias, float* out, uint8_t* idx, long n0, long n1);
  void (*biasActPoolBackward)(int act, const ConvGeom& c, const float* y, const float* dy, const uint8_t* idx, float* dz,
                              float* partial, long n0, long n1);
  // A few-tap convolution (kH·kW·inC <= 9) with that epilogue and pooling (pH × pW), over images [n0, n1);
  // its filter and bias gradients of images [n0, n1) over output channels [j0, j1) (j0 a multiple of nr).
  void (*convBiasActPool)(int act, const ConvGeom& c, long pH, long pW, const float* x, const float* w, const float* bias, float* out,
                          uint8_t* idx, long n0, long n1);
  void (*convBiasActPoolFilter)(int act, const ConvGeom& c, long pH, long pW, const float* x, const float* y, const float* dy,
                                const uint8_t* idx, float* dw, float* dbias, long n0, long n1, long j0, long j1);
  // A 3×3 stride-1 convolution of all c.batch images with that epilogue and pooling done in Winograd's
  // output transform (native/conv-winograd.inc; scratch as conv2d's col), on the calling thread: false
  // (nothing written) where Winograd is not wanted or cannot pool (then: conv2d, then biasActPool).
  bool (*winogradConvPool)(int act, const ConvGeom& c, long pH, long pW, const float* x, const float* w, const float* bias, float* out,
                           uint8_t* idx, float* scratch, long floats);
  // Batch normalization's passes over a rows × cols matrix (see kernels.inc): column sums of
  // (a − ca) and (a − ca)·(b − cb) over all rows for columns [c0, c1), and rows [r0, r1) of
  // out = (a − ca)·sa + (b − cb)·sb + shift; per-column arrays start at column c0.
  void (*channelSums)(const float* a, const float* ca, const float* b, const float* cb, long rows, long cols, long c0, long c1, float* su, float* suv);
  void (*channelAffine)(const float* a, const float* ca, const float* sa, const float* b, const float* cb, const float* sb, const float* shift,
                        float* out, long cols, long c0, long c1, long r0, long r1);
  // Dropout (native/philox.inc): out[i] = x[i]·(Philox word of stream element base + i ≥ threshold ? scale : 0), i < n.
  void (*dropout)(const float* x, float* out, long n, long base, uint32_t k0, uint32_t k1, uint32_t threshold, float scale);
};

// Operation codes and names: generated from the op table in src/backend/ops.ts. The addon
// exports the names and the TypeScript loader maps by name, so a reordering cannot silently
// call the wrong operation.

extern const IsaTable kGenericTable;
#if defined(__x86_64__) || defined(_M_X64)
extern const IsaTable kAvx2Table;
extern const IsaTable kAvx512Table;
extern const IsaTable kAvx512EmulatedTable;  // 16-lane code on AVX2, for tests
#endif

}  // namespace deepts

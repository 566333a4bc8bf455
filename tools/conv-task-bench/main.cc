// One image task's convolution passes on the native kernels, outside node: per-thread CPU time
// and % of one core's peak (228.5 GFLOPS: 2 × 512-bit FMA at 3.57 GHz, this project's Xeon),
// each pass checked against a naive double-precision reference.
//   sh tools/conv-task-bench/run.sh [batch=16] [avx512|avx2|emu|generic] [old]
//     times conv2 of the MNIST convnet, the wide model's conv3 and two padded/strided shapes for a
//     task of `batch` images (the addon hands each thread tasks of ~16 images); `old` runs the
//     im2col + SGEMM path the tasks used before native/conv-gemm.inc (A/B in one build).
//     CONV_BENCH_ONLY=<shape name prefix> and CONV_BENCH_PASSES=012 (digits of the passes) narrow the run.
//   sh tools/conv-task-bench/run.sh check
//     3,000 random geometries (every padding/stride/dilation, channel tails, scratch too small for
//     the implicit path) × 3 passes × every ISA table, against the reference.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>
#include <cmath>
#include <algorithm>
#include "isa.h"
using namespace deepts;
static double cpuNow() { timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static void serialGemm(void* isa, const GemmArgs& g) { static_cast<const IsaTable*>(isa)->gemm(g, 0, g.m, 0, g.n); }

static void refFwd(const ConvGeom& c, const float* x, const float* w, float* y) {
  for (long n = 0; n < c.batch; ++n) for (long oh = 0; oh < c.outH; ++oh) for (long ow = 0; ow < c.outW; ++ow) for (long o = 0; o < c.outC; ++o) {
    double s = 0;
    for (long kh = 0; kh < c.kH; ++kh) for (long kw = 0; kw < c.kW; ++kw) {
      long ih = oh * c.strideH - c.padTop + kh * c.dilationH, iw = ow * c.strideW - c.padLeft + kw * c.dilationW;
      if (ih < 0 || ih >= c.inH || iw < 0 || iw >= c.inW) continue;
      for (long ci = 0; ci < c.inC; ++ci) s += double(x[((n * c.inH + ih) * c.inW + iw) * c.inC + ci]) * w[((kh * c.kW + kw) * c.inC + ci) * c.outC + o];
    }
    y[((n * c.outH + oh) * c.outW + ow) * c.outC + o] = s;
  }
}
static void refDx(const ConvGeom& c, const float* dy, const float* w, float* dx) {
  memset(dx, 0, sizeof(float) * c.batch * c.inH * c.inW * c.inC);
  for (long n = 0; n < c.batch; ++n) for (long oh = 0; oh < c.outH; ++oh) for (long ow = 0; ow < c.outW; ++ow) for (long o = 0; o < c.outC; ++o) {
    float g = dy[((n * c.outH + oh) * c.outW + ow) * c.outC + o];
    for (long kh = 0; kh < c.kH; ++kh) for (long kw = 0; kw < c.kW; ++kw) {
      long ih = oh * c.strideH - c.padTop + kh * c.dilationH, iw = ow * c.strideW - c.padLeft + kw * c.dilationW;
      if (ih < 0 || ih >= c.inH || iw < 0 || iw >= c.inW) continue;
      for (long ci = 0; ci < c.inC; ++ci) dx[((n * c.inH + ih) * c.inW + iw) * c.inC + ci] += g * w[((kh * c.kW + kw) * c.inC + ci) * c.outC + o];
    }
  }
}
static void refDw(const ConvGeom& c, const float* x, const float* dy, float* dw) {
  std::vector<double> acc(c.kH * c.kW * c.inC * c.outC, 0.0);
  for (long n = 0; n < c.batch; ++n) for (long oh = 0; oh < c.outH; ++oh) for (long ow = 0; ow < c.outW; ++ow) for (long o = 0; o < c.outC; ++o) {
    float g = dy[((n * c.outH + oh) * c.outW + ow) * c.outC + o];
    for (long kh = 0; kh < c.kH; ++kh) for (long kw = 0; kw < c.kW; ++kw) {
      long ih = oh * c.strideH - c.padTop + kh * c.dilationH, iw = ow * c.strideW - c.padLeft + kw * c.dilationW;
      if (ih < 0 || ih >= c.inH || iw < 0 || iw >= c.inW) continue;
      for (long ci = 0; ci < c.inC; ++ci) acc[((kh * c.kW + kw) * c.inC + ci) * c.outC + o] += double(x[((n * c.inH + ih) * c.inW + iw) * c.inC + ci]) * g;
    }
  }
  for (size_t i = 0; i < acc.size(); ++i) dw[i] = acc[i];
}
static double maxErr(const float* a, const float* b, long n) { double m = 0; for (long i = 0; i < n; ++i) m = fmax(m, fabs(a[i] - b[i]) / (1 + fabs(b[i]))); return m; }

static int benchMain(int argc, char** argv) {
  const IsaTable* isa = argc > 2 && !strcmp(argv[2], "avx2") ? &kAvx2Table : argc > 2 && !strcmp(argv[2], "emu") ? &kAvx512EmulatedTable : argc > 2 && !strcmp(argv[2], "generic") ? &kGenericTable : &kAvx512Table;
  long batch = argc > 1 ? atol(argv[1]) : 16;
  bool old = argc > 3 && !strcmp(argv[3], "old");
  struct S { const char* name; ConvGeom c; } shapes[] = {
    {"conv2 13x13x32->64", {batch, 13, 13, 32, 11, 11, 64, 3, 3, 1, 1, 1, 1, 0, 0}},
    {"wide3 5x5x64->128", {batch, 5, 5, 64, 3, 3, 128, 3, 3, 1, 1, 1, 1, 0, 0}},
    {"same 13x13x32->64", {batch, 13, 13, 32, 13, 13, 64, 3, 3, 1, 1, 1, 1, 1, 1}},
    // Winograd's rule (native/conv-winograd.inc): channels, image sizes, the denoiser's convs.
    {"c8 same 28x28x8->8", {batch, 28, 28, 8, 28, 28, 8, 3, 3, 1, 1, 1, 1, 1, 1}},
    {"c16 same 28x28x16->16", {batch, 28, 28, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1}},
    {"c16-64 valid 13x13x16->64", {batch, 13, 13, 16, 11, 11, 64, 3, 3, 1, 1, 1, 1, 0, 0}},
    {"c64 same 14x14x64->64", {batch, 14, 14, 64, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1}},
    {"c128 same 7x7x128->128", {batch, 7, 7, 128, 7, 7, 128, 3, 3, 1, 1, 1, 1, 1, 1}},
    {"den2 same 64x64x32->64", {batch / 4 > 0 ? batch / 4 : 1, 64, 64, 32, 64, 64, 64, 3, 3, 1, 1, 1, 1, 1, 1}},
    {"den3 same 64x64x64->3", {batch / 4 > 0 ? batch / 4 : 1, 64, 64, 64, 64, 64, 3, 3, 3, 1, 1, 1, 1, 1, 1}},
    {"odd 9x9x5->7 s2 pad", {batch, 9, 9, 5, 5, 5, 7, 3, 3, 2, 2, 1, 1, 1, 1}},
  };
  {
    double best = 0;
    for (int r = 0; r < 5; ++r) { double t0 = cpuNow(); double f = isa->fmaPeakLoop(20000000); double t = cpuNow() - t0; best = fmax(best, f / t / 1e9); }
    printf("fma peak loop: %.1f GFLOPS\n", best);
  }
  long colFloats = old ? 1L << 16 : 1L << 21;
  std::vector<float> col(1L << 21);
  const char* only = getenv("CONV_BENCH_ONLY");  // a shape name prefix, to time (or profile) one shape
  const char* passes = getenv("CONV_BENCH_PASSES");  // e.g. "01": forward and dX only
  for (auto& s : shapes) {
    if (only && strncmp(s.name, only, strlen(only))) continue;
    const ConvGeom& c = s.c;
    long nx = c.batch * c.inH * c.inW * c.inC, ny = c.batch * c.outH * c.outW * c.outC, nw = c.kH * c.kW * c.inC * c.outC;
    std::vector<float> x(nx), w(nw), y(ny), dy(ny), dx(nx), dw(nw), r1(ny), r2(nx), r3(nw);
    srand(1);
    for (auto& v : x) v = rand() / float(RAND_MAX) - 0.5f;
    for (auto& v : w) v = rand() / float(RAND_MAX) - 0.5f;
    for (auto& v : dy) v = rand() / float(RAND_MAX) - 0.5f;
    double flops = 2.0 * ny * c.kH * c.kW * c.inC;
    void* ctx = const_cast<IsaTable*>(isa);
    refFwd(c, x.data(), w.data(), r1.data()); refDx(c, dy.data(), w.data(), r2.data()); refDw(c, x.data(), dy.data(), r3.data());
    for (int pass = 0; pass < 3; ++pass) {
      if (passes && !strchr(passes, '0' + pass)) continue;
      // Implicit GEMM (Winograd off) and Winograd (forced) alternated in rounds: same load for both.
      const int modes[2] = {kConvWinogradNever, kConvWinogradAlways};
      double best[2] = {1e9, 1e9}, err[2] = {0, 0};
      for (int r = 0; r < 7; ++r)
        for (int v = 0; v < 2; ++v) {
          ConvGeom cv = c;
          cv.winograd = modes[v];
          auto run = [&] {
            if (pass == 0) isa->conv2d(cv, x.data(), w.data(), y.data(), col.data(), colFloats, old ? serialGemm : nullptr, ctx);
            else if (pass == 1) isa->conv2dBackpropInput(cv, dy.data(), w.data(), dx.data(), col.data(), colFloats, old ? serialGemm : nullptr, ctx);
            else isa->conv2dBackpropFilter(cv, x.data(), dy.data(), dw.data(), col.data(), colFloats, old ? serialGemm : nullptr, ctx);
          };
          if (r == 0) {
            run();
            err[v] = pass == 0 ? maxErr(y.data(), r1.data(), ny) : pass == 1 ? maxErr(dx.data(), r2.data(), nx) : maxErr(dw.data(), r3.data(), nw);
          }
          int reps = 0; double t0 = cpuNow(), t;
          do { run(); ++reps; t = cpuNow(); } while (t - t0 < 0.05);
          best[v] = fmin(best[v], (t - t0) / reps);
        }
      for (int v = 0; v < 2; ++v)
        printf("%-24s %-4s %-9s %8.3f ms %7.1f GFLOPS%s %5.1f%% err %.1e\n", s.name, pass == 0 ? "fwd" : pass == 1 ? "dX" : "dW", v ? "winograd" : "implicit",
               best[v] * 1e3, flops / best[v] / 1e9, v ? " eff." : "     ", flops / best[v] / 1e9 / 228.5 * 100, err[v]);
    }
  }
  return 0;
}

static int checkMain() {
  const IsaTable* isas[] = {&kAvx512Table, &kAvx2Table, &kAvx512EmulatedTable, &kGenericTable};
  srand(7);
  int bad = 0;
  std::vector<float> colv(1 << 20);
  for (int it = 0; it < 3000; ++it) {
    auto R = [](int a, int b) { return a + rand() % (b - a + 1); };
    ConvGeom c{};
    c.batch = R(1, 3); c.inH = R(1, 9); c.inW = R(1, 9); c.inC = rand() % 2 ? R(1, 5) : R(15, 37); c.outC = rand() % 2 ? R(1, 6) : R(15, 70);
    c.kH = R(1, 3); c.kW = R(1, 3); c.strideH = R(1, 3); c.strideW = R(1, 3); c.dilationH = R(1, 2); c.dilationW = R(1, 2);
    bool same = rand() % 2;
    long effH = (c.kH - 1) * c.dilationH + 1, effW = (c.kW - 1) * c.dilationW + 1;
    if (same) {
      c.outH = (c.inH + c.strideH - 1) / c.strideH; c.outW = (c.inW + c.strideW - 1) / c.strideW;
      long ph = std::max(0L, (c.outH - 1) * c.strideH + effH - c.inH), pw = std::max(0L, (c.outW - 1) * c.strideW + effW - c.inW);
      c.padTop = ph / 2; c.padLeft = pw / 2;
    } else {
      if (effH > c.inH || effW > c.inW) continue;
      c.outH = (c.inH - effH) / c.strideH + 1; c.outW = (c.inW - effW) / c.strideW + 1; c.padTop = c.padLeft = 0;
    }
    long nx = c.batch * c.inH * c.inW * c.inC, ny = c.batch * c.outH * c.outW * c.outC, nw = c.kH * c.kW * c.inC * c.outC;
    std::vector<float> x(nx), w(nw), dy(ny), r1(ny), r2(nx), r3(nw);
    for (auto& v : x) v = rand() / float(RAND_MAX) - 0.5f;
    for (auto& v : w) v = rand() / float(RAND_MAX) - 0.5f;
    for (auto& v : dy) v = rand() / float(RAND_MAX) - 0.5f;
    refFwd(c, x.data(), w.data(), r1.data()); refDx(c, dy.data(), w.data(), r2.data()); refDw(c, x.data(), dy.data(), r3.data());
    for (auto isa : isas) {
      long scratch = (rand() % 4 == 0) ? R(100, 20000) : (1 << 20) - R(0, 15);
      float* col = colv.data() + R(0, 15);
      std::vector<float> y(ny, 7), dx(nx, 7), dw(nw, 7);
      isa->conv2d(c, x.data(), w.data(), y.data(), col, scratch, nullptr, nullptr);
      isa->conv2dBackpropInput(c, dy.data(), w.data(), dx.data(), col, scratch, nullptr, nullptr);
      isa->conv2dBackpropFilter(c, x.data(), dy.data(), dw.data(), col, scratch, nullptr, nullptr);
      double e1 = maxErr(y.data(), r1.data(), ny), e2 = maxErr(dx.data(), r2.data(), nx), e3 = maxErr(dw.data(), r3.data(), nw);
      if (e1 > 1e-4 || e2 > 1e-4 || e3 > 1e-4) {
        if (++bad < 20) printf("%s b%ld %ldx%ldx%ld->%ld k%ldx%ld s%ld,%ld d%ld,%ld pad%ld,%ld out%ldx%ld scratch %ld: %g %g %g\n", isa->name, c.batch, c.inH, c.inW, c.inC, c.outC, c.kH, c.kW,
               c.strideH, c.strideW, c.dilationH, c.dilationW, c.padTop, c.padLeft, c.outH, c.outW, scratch, e1, e2, e3);
      }
    }
  }
  printf("%d mismatches\n", bad);
  return bad ? 1 : 0;
}

int main(int argc, char** argv) { return argc > 1 && !strcmp(argv[1], "check") ? checkMain() : benchMain(argc, argv); }

#!/bin/sh
# Rebuilds the WASM SIMD kernels and regenerates src/backend/wasm/{module,memory}.generated.ts.
# Four builds of the same sources:
#   single-threaded: own growable memory, runs anywhere with WebAssembly SIMD128;
#   threaded: imports a shared memory (needs SharedArrayBuffer), adds the GEMM job
#             entry points (-DDEEPTS_THREADS) for worker threads;
#   and each again with relaxed SIMD (-mrelaxed-simd: the GEMM's multiply-add is one
#   f32x4.relaxed_madd, an FMA where the CPU has one), loaded where the engine validates it.
# Needs Debian's clang-19 + lld-19 (apt-get install -y clang-19 lld-19): clang 14 emits the
# pre-standard relaxed-SIMD opcodes that no engine accepts. npm users never run this. The
# output is deterministic for one compiler version; CI rebuilds it and compares.
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
WASM_LD=${WASM_LD:-wasm-ld-19}
# kernels.cc compiles the native backend's kernel source (native/kernels.inc) for wasm32.
SOURCES="kernels.cc runtime.c"
COMMON="--target=wasm32 -msimd128 -mbulk-memory -mnontrapping-fptoint -O3 -ffreestanding -nostdlib
  -fno-math-errno -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-parameter -Wno-unused-function"
CXXFLAGS="-std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics"
# Threaded memory: 16 MiB initial (static packing buffers and worker stacks), 2 GiB maximum.
MT_INITIAL_PAGES=256
MT_MAX_PAGES=32768

# build <dir> <output.wasm> <extra compile flags...>: compile and link one variant.
build() {
  dir=$1 out=$2; shift 2
  mkdir -p "build/$dir"
  rm -f "build/$dir"/*.o
  for f in $SOURCES; do
    case "$f" in *.cc) FLAGS="$COMMON $CXXFLAGS";; *) FLAGS="$COMMON";; esac
    "$CLANG" $FLAGS "$@" -c "src/$f" -o "build/$dir/${f%.*}.o"
  done
  case " $* " in
    *" -DDEEPTS_THREADS "*)
      "$WASM_LD" --no-entry --export=__heap_base --export=__stack_pointer --strip-all -z stack-size=262144 \
        --shared-memory --import-memory --initial-memory=$((MT_INITIAL_PAGES * 65536)) --max-memory=$((MT_MAX_PAGES * 65536)) \
        "build/$dir"/*.o -o "build/$out";;
    *)
      "$WASM_LD" --no-entry --export=__heap_base --strip-all -z stack-size=262144 "build/$dir"/*.o -o "build/$out";;
  esac
}
# PROFILE=-DDEEPTS_PROFILE: a local profiling build (every plan op and job part timed with an
# imported clock; bench/chromium-trace.ts reads it). Never commit its generated files.
THREADS="-matomics -mmutable-globals -DDEEPTS_THREADS ${PROFILE:-}"
build st deepts-kernels.wasm ${PROFILE:-}
build mt deepts-kernels-mt.wasm $THREADS
build st-relaxed deepts-kernels-relaxed.wasm -mrelaxed-simd ${PROFILE:-}
build mt-relaxed deepts-kernels-mt-relaxed.wasm -mrelaxed-simd $THREADS
# The modules' bytes (imported only when no .wasm files are given, e.g. not by the lab page)
# and the threaded build's memory limits (always needed) go to two generated files.
node embed.mjs ../src/backend/wasm/module.generated.ts \
  WASM_KERNELS=build/deepts-kernels.wasm WASM_KERNELS_THREADED=build/deepts-kernels-mt.wasm \
  WASM_KERNELS_RELAXED=build/deepts-kernels-relaxed.wasm WASM_KERNELS_THREADED_RELAXED=build/deepts-kernels-mt-relaxed.wasm
node embed.mjs ../src/backend/wasm/memory.generated.ts \
  WASM_THREADED_INITIAL_PAGES=$MT_INITIAL_PAGES WASM_THREADED_MAX_PAGES=$MT_MAX_PAGES
echo "built $(cd build && wc -c deepts-kernels*.wasm | tail -1 | awk '{print $1}') bytes in 4 modules -> src/backend/wasm/{module,memory}.generated.ts"

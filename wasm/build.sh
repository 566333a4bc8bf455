#!/bin/sh
# Rebuilds the WASM SIMD kernels and regenerates src/backend/wasm/module.generated.ts.
# Two variants of the same sources:
#   single-threaded: own growable memory, runs anywhere with WebAssembly SIMD128;
#   threaded: imports a shared memory (needs SharedArrayBuffer), adds the GEMM job
#             entry points (-DDEEPTS_THREADS) for worker threads.
# Needs Debian's clang + lld (apt-get install -y clang lld); npm users never run this.
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
WASM_LD=${WASM_LD:-wasm-ld}
# kernels.cc compiles the native backend's kernel source (native/kernels.inc) for wasm32.
SOURCES="kernels.cc runtime.c"
COMMON="--target=wasm32 -msimd128 -mbulk-memory -mnontrapping-fptoint -O3 -ffreestanding -nostdlib
  -fno-math-errno -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-parameter -Wno-unused-function"
CXXFLAGS="-std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics"
# Threaded memory: 16 MiB initial (static packing buffers and worker stacks), 2 GiB maximum.
MT_INITIAL_PAGES=256
MT_MAX_PAGES=32768

mkdir -p build/st build/mt
rm -f build/st/*.o build/mt/*.o
for f in $SOURCES; do
  case "$f" in *.cc) FLAGS="$COMMON $CXXFLAGS";; *) FLAGS="$COMMON";; esac
  "$CLANG" $FLAGS -c "src/$f" -o "build/st/${f%.*}.o"
  "$CLANG" $FLAGS -matomics -mmutable-globals -DDEEPTS_THREADS -c "src/$f" -o "build/mt/${f%.*}.o"
done
"$WASM_LD" --no-entry --export=__heap_base --strip-all -z stack-size=262144 \
  build/st/*.o -o build/deepts-kernels.wasm
"$WASM_LD" --no-entry --export=__heap_base --export=__stack_pointer --strip-all -z stack-size=262144 \
  --shared-memory --import-memory --initial-memory=$((MT_INITIAL_PAGES * 65536)) --max-memory=$((MT_MAX_PAGES * 65536)) \
  build/mt/*.o -o build/deepts-kernels-mt.wasm
# The modules' bytes (imported only when no .wasm files are given, e.g. not by the lab page)
# and the threaded build's memory limits (always needed) go to two generated files.
node embed.mjs ../src/backend/wasm/module.generated.ts \
  WASM_KERNELS=build/deepts-kernels.wasm WASM_KERNELS_THREADED=build/deepts-kernels-mt.wasm
node embed.mjs ../src/backend/wasm/memory.generated.ts \
  WASM_THREADED_INITIAL_PAGES=$MT_INITIAL_PAGES WASM_THREADED_MAX_PAGES=$MT_MAX_PAGES
echo "built $(wc -c < build/deepts-kernels.wasm) + $(wc -c < build/deepts-kernels-mt.wasm) bytes -> src/backend/wasm/{module,memory}.generated.ts"

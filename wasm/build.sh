#!/bin/sh
# Rebuilds the WASM SIMD kernels and regenerates src/backend/wasm/module.generated.ts.
# Needs Debian's clang + lld (apt-get install -y clang lld); npm users never run this.
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
WASM_LD=${WASM_LD:-wasm-ld}
mkdir -p build
for f in gemm elementwise reduce runtime; do
  "$CLANG" --target=wasm32 -msimd128 -mbulk-memory -mnontrapping-fptoint -O3 -ffreestanding -nostdlib \
    -fno-exceptions -Wall -Wextra -Werror -Wno-unused-parameter -c "src/$f.c" -o "build/$f.o"
done
"$WASM_LD" --no-entry --export=__heap_base --strip-all -z stack-size=262144 \
  build/gemm.o build/elementwise.o build/reduce.o build/runtime.o -o build/deepts-kernels.wasm
node embed.mjs build/deepts-kernels.wasm ../src/backend/wasm/module.generated.ts
echo "built $(wc -c < build/deepts-kernels.wasm) bytes -> src/backend/wasm/module.generated.ts"

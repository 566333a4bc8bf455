#!/bin/sh
# Builds tools/conv-task-bench/main.cc against native/ (all ISA tables) into /tmp and runs it; see main.cc.
set -e
here=$(cd "$(dirname "$0")" && pwd)
N="$here/../../native"
out=${TMPDIR:-/tmp}/deepts-conv-task-bench
mkdir -p "$out"
F="-std=gnu++17 -O3 -fno-math-errno -ffp-contract=fast -Wno-unused-function -Wno-psabi -I$N"
for f in isa_avx512 isa_avx2 isa_avx512emu isa_generic; do g++ $F -c "$N/$f.cc" -o "$out/$f.o" & done
wait
g++ $F "$here/main.cc" "$out"/isa_*.o -o "$out/conv-task-bench"
exec "$out/conv-task-bench" "$@"

/**
 * Reference GEMM. Loop orders are chosen so the innermost loop walks memory
 * contiguously for each transpose combination (i-p-j for B row-major, dot
 * products for Bᵀ); partial sums are kept in float64 where the loop allows.
 */
import type { F32 } from '../kernels.js';

export function matmul(a: F32, b: F32, out: F32, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  if (!accumulate) out.fill(0, 0, m * n);
  if (transB) {
    // B stored n×k: out[i,j] = Σ_p A[i,p]·B[j,p] — a dot product of two contiguous rows when A is not transposed.
    const aRow = new Float32Array(k);
    for (let i = 0; i < m; i++) {
      if (transA) for (let p = 0; p < k; p++) aRow[p] = a[p * m + i]!;
      else aRow.set(a.subarray(i * k, i * k + k));
      const o = i * n;
      for (let j = 0; j < n; j++) {
        const bo = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += aRow[p]! * b[bo + p]!;
        out[o + j] += s;
      }
    }
    return;
  }
  // B stored k×n: out[i,:] += A[i,p] · B[p,:]
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * m + i]! : a[i * k + p]!;
      const bo = p * n;
      for (let j = 0; j < n; j++) out[o + j] += aip * b[bo + j]!;
    }
  }
}

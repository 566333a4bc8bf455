/**
 * The reference optimizer updates (Keras 3's rules), in place over one variable.
 * Hyper-parameters arrive per step in `h`, already folded with the step count
 * where the rule needs it (see OptimizerRule in ../kernels.ts).
 */
import type { F32, OptimizerRule } from '../kernels.js';

export function optimizerStep(rule: OptimizerRule, w: F32, g: F32, slots: readonly F32[], h: ArrayLike<number>): void {
  const n = w.length;
  switch (rule) {
    case 'sgd': {
      const lr = h[0]!;
      for (let i = 0; i < n; i++) w[i]! -= lr * g[i]!;
      return;
    }
    case 'momentum':
    case 'nesterov': {
      const [lr, mu] = [h[0]!, h[1]!];
      const m = slots[0]!;
      const nesterov = rule === 'nesterov';
      for (let i = 0; i < n; i++) {
        const mi = mu * m[i]! - lr * g[i]!;
        m[i] = mi;
        w[i]! += nesterov ? mu * mi - lr * g[i]! : mi;
      }
      return;
    }
    case 'adam':
    case 'amsgrad': {
      const [alpha, b1, b2, eps] = [h[0]!, h[1]!, h[2]!, h[3]!];
      const [m, v] = [slots[0]!, slots[1]!];
      const vHat = rule === 'amsgrad' ? slots[2]! : null;
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = m[i]! + (gi - m[i]!) * (1 - b1);
        let vi = v[i]! + (gi * gi - v[i]!) * (1 - b2);
        m[i] = mi;
        v[i] = vi;
        if (vHat) {
          vi = Math.max(vHat[i]!, vi);
          vHat[i] = vi;
        }
        w[i]! -= (alpha * mi) / (Math.sqrt(vi) + eps);
      }
      return;
    }
    case 'adamax': {
      const [step, b1, b2, eps] = [h[0]!, h[1]!, h[2]!, h[3]!];
      const [m, u] = [slots[0]!, slots[1]!];
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = m[i]! + (gi - m[i]!) * (1 - b1);
        const ui = Math.max(b2 * u[i]!, Math.abs(gi));
        m[i] = mi;
        u[i] = ui;
        w[i]! -= (step * mi) / (ui + eps);
      }
      return;
    }
    case 'rmsprop': {
      const [lr, rho, mu, eps, centered] = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]! !== 0];
      const [v, m, a] = [slots[0]!, slots[1]!, slots[2]!];
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const vi = rho * v[i]! + (1 - rho) * gi * gi;
        v[i] = vi;
        let denom = vi;
        if (centered) {
          const ai = rho * a[i]! + (1 - rho) * gi;
          a[i] = ai;
          denom = vi - ai * ai;
        }
        const inc = (lr * gi) / Math.sqrt(denom + eps);
        if (mu > 0) {
          const mi = mu * m[i]! + inc;
          m[i] = mi;
          w[i]! -= mi;
        } else w[i]! -= inc;
      }
      return;
    }
    case 'adagrad': {
      const [lr, eps] = [h[0]!, h[1]!];
      const acc = slots[0]!;
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const ai = acc[i]! + gi * gi;
        acc[i] = ai;
        w[i]! -= (lr * gi) / Math.sqrt(ai + eps);
      }
      return;
    }
  }
}

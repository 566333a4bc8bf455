/**
 * Reverse-mode automatic differentiation, micrograd-style: every op that has an
 * input requiring gradients records a GradFn (its inputs and a backward
 * closure) on its output. `gradients()` sorts that graph topologically and runs
 * the closures in reverse, summing contributions per tensor. The graph hangs off
 * the output tensors only, so it is garbage-collected with them.
 */
import { kernels } from '../backend/registry.js';
import { allocFloat32 } from '../tensor/buffer-pool.js';
import { Tensor, type GradFn } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';

let recording = true;

/** Runs fn without recording gradients (like torch.no_grad); for inference and optimizer updates. */
export function noGrad<T>(fn: () => T): T {
  const prev = recording;
  recording = false;
  try {
    return fn();
  } finally {
    recording = prev;
  }
}

export function isRecording(): boolean {
  return recording;
}

/** Called by ops: marks `out` as differentiable when any input requires gradients. */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], backward: GradFn['backward']): Tensor {
  if (!recording) return out;
  let needed = false;
  for (const t of inputs) if (t.requiresGrad) needed = true;
  if (!needed) return out;
  out.requiresGrad = true;
  out.gradFn = { name, inputs, backward };
  return out;
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  // Iterative DFS: graphs of deep models would overflow a recursive one.
  const stack: { t: Tensor; expanded: boolean }[] = [{ t: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (top.expanded) {
      order.push(top.t);
      continue;
    }
    if (seen.has(top.t.id)) continue;
    seen.add(top.t.id);
    stack.push({ t: top.t, expanded: true });
    for (const input of top.t.gradFn?.inputs ?? []) {
      if (input.requiresGrad && !seen.has(input.id)) stack.push({ t: input, expanded: false });
    }
  }
  return order; // inputs before outputs
}

/**
 * d(output)/d(each of `wrt`). `output` is usually a scalar loss; for a non-scalar
 * output give `outputGrad` (defaults to ones, i.e. the gradient of sum(output)).
 * Leaves not reached get null.
 */
export function gradients(output: Tensor, wrt: readonly Tensor[], outputGrad?: Tensor): (Tensor | null)[] {
  if (!output.requiresGrad) {
    throw new Error('gradients(): the output does not depend on any tensor that requires gradients');
  }
    const seed = outputGrad ?? new Tensor(new Float32Array(output.size).fill(1), output.shape);
  if (!shapesEqual(seed.shape, output.shape)) {
    throw new Error(`gradients(): outputGrad has shape ${formatShape(seed.shape)} but the output has ${formatShape(output.shape)}`);
  }
  const order = topologicalOrder(output);
  const grads = new Map<number, Tensor>([[output.id, seed]]);
  const wanted = new Set(wrt.map((t) => t.id));
  const result = new Map<number, Tensor>();
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t.id);
      if (!g) continue;
      if (wanted.has(t.id)) result.set(t.id, g);
      const fn = t.gradFn;
      if (!fn) continue;
      // Free this gradient early unless the caller asked for it: big graphs stay small in memory.
      grads.delete(t.id);
      const inputGrads = fn.backward(g);
      for (let j = 0; j < fn.inputs.length; j++) {
        const input = fn.inputs[j]!;
        const ig = inputGrads[j];
        if (!ig || !input.requiresGrad) continue;
        if (!shapesEqual(ig.shape, input.shape)) {
          throw new Error(`internal error: gradient of '${fn.name}' input ${j} has shape ${formatShape(ig.shape)}, expected ${formatShape(input.shape)}`);
        }
        const prev = grads.get(input.id);
        grads.set(input.id, prev ? addGradients(prev, ig) : ig);
      }
    }
  });
  return wrt.map((t) => result.get(t.id) ?? null);
}

/** Sum of two same-shape gradients (shapes were checked when they were stored). */
function addGradients(a: Tensor, b: Tensor): Tensor {
  const out = allocFloat32(a.size, false);
  kernels().binary('add', a.values, a.shape, b.values, b.shape, out, a.shape);
  return new Tensor(out, a.shape);
}

/**
 * PyTorch-style: accumulates d(output)/d(leaf) into `leaf.grad` for every leaf
 * that requires gradients.
 */
export function backward(output: Tensor, outputGrad?: Tensor): void {
  const leaves = topologicalOrder(output).filter((t) => t.gradFn === null && t.requiresGrad);
  const gs = gradients(output, leaves, outputGrad);
  leaves.forEach((leaf, i) => {
    const g = gs[i];
    if (g) leaf.grad = leaf.grad ? addGradients(leaf.grad, g) : g;
  });
}

/**
 * tf.GradientTape's role in deepts: operations are always recorded (outside noGrad), so the
 * tape only asks for gradients. Usage as in TensorFlow:
 *   const tape = new GradientTape();
 *   const loss = lossFn(y, model.call(x, { training: true }));
 *   const grads = tape.gradient(loss, model.trainableWeights);
 *   optimizer.applyGradients(grads.map((g, i) => [g, model.trainableWeights[i]]));
 */
export class GradientTape {
  /** d(target)/d(each source); null for sources the target does not depend on (as TF's None). */
  gradient(target: Tensor, sources: readonly Tensor[]): (Tensor | null)[] {
    if (!target.requiresGrad) return sources.map(() => null);
    return gradients(target, sources);
  }

  /** Kept for TF parity: every tensor that requires gradients is watched already. */
  watch(_t: Tensor): void {}
}

/**
 * tf.valueAndGrads-style: f's value and its gradients with respect to `wrt` (e.g. a model's
 * trainable weights). f must return a scalar built from differentiable ops.
 */
export function valueAndGrad(f: () => Tensor, wrt: readonly Tensor[]): { value: Tensor; grads: (Tensor | null)[] } {
  const value = f();
  if (value.size !== 1) throw new Error(`valueAndGrad: f must return a scalar, got shape ${formatShape(value.shape)}`);
  return { value, grads: new GradientTape().gradient(value, wrt) };
}

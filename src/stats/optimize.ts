/**
 * Nelder–Mead downhill simplex minimisation: needs only function values, no
 * gradients, which makes it a transparent check on closed-form answers.
 *
 * A simplex of d + 1 points moves through parameter space; each step replaces
 * the worst point by its reflection through the centroid of the others,
 * possibly expanded or contracted, or shrinks the whole simplex toward the
 * best point. Standard coefficients: reflection 1, expansion 2, contraction ½,
 * shrink ½. The search restarts from the best point with a fresh simplex until
 * a restart no longer improves the value, which protects against the simplex
 * collapsing early (a known weakness of the method).
 */

export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate (default 0.5 for each). */
  step?: number | number[];
  /** Stop when every simplex vertex is within this distance of the best one (default 1e-10). */
  xTolerance?: number;
  /** Cap on iterations over all restarts (default 20000). */
  maxIterations?: number;
  /** Most restarts after the first run (default 5). */
  maxRestarts?: number;
}

export interface NelderMeadResult {
  /** The best point found. */
  x: number[];
  /** f(x). */
  value: number;
  /** Iterations used over all restarts. */
  iterations: number;
  /** True when the tolerance was reached before the iteration cap. */
  converged: boolean;
}

export function nelderMead(
  f: (x: number[]) => number, start: ArrayLike<number>, options: NelderMeadOptions = {},
): NelderMeadResult {
  const d = start.length;
  if (d === 0) throw new Error('nelderMead: the start point has no coordinates');
  const step = options.step ?? 0.5;
  const steps = typeof step === 'number' ? new Array<number>(d).fill(step) : step;
  if (steps.length !== d) throw new Error(`nelderMead: step has ${steps.length} entries but the start point has ${d}`);
  const xTolerance = options.xTolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 20000;
  const maxRestarts = options.maxRestarts ?? 5;

  let best = Array.from(start);
  let bestValue = f(best);
  if (!Number.isFinite(bestValue)) throw new Error(`nelderMead: f(start) is ${bestValue}; start where f is finite`);
  let iterations = 0;
  let converged = false;
  for (let restart = 0; restart <= maxRestarts && iterations < maxIterations; restart++) {
    const run = simplexRun(f, best, steps, xTolerance, maxIterations - iterations);
    iterations += run.iterations;
    converged = run.converged;
    const improved = run.value < bestValue;
    if (run.value <= bestValue) { best = run.x; bestValue = run.value; }
    if (!improved && restart > 0) break;
  }
  return { x: best, value: bestValue, iterations, converged };
}

function simplexRun(
  f: (x: number[]) => number, start: number[], steps: number[], xTolerance: number, budget: number,
): NelderMeadResult {
  const d = start.length;
  const points: number[][] = [start.slice()];
  for (let i = 0; i < d; i++) {
    const p = start.slice();
    p[i]! += steps[i]!;
    points.push(p);
  }
  let values = points.map(f);
  const along = (from: number[], to: number[], t: number): number[] =>
    from.map((v, i) => v + t * (to[i]! - v));

  for (let iteration = 0; iteration < budget; iteration++) {
    // Order vertices best → worst.
    const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
    const sortedPoints = order.map((i) => points[i]!);
    values = order.map((i) => values[i]!);
    points.splice(0, points.length, ...sortedPoints);

    const bestPoint = points[0]!;
    let spread = 0;
    for (let i = 1; i <= d; i++) {
      for (let k = 0; k < d; k++) spread = Math.max(spread, Math.abs(points[i]![k]! - bestPoint[k]!));
    }
    if (spread <= xTolerance) return { x: bestPoint, value: values[0]!, iterations: iteration, converged: true };

    const centroid = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) centroid[k]! += points[i]![k]! / d;
    const worst = points[d]!;
    const reflected = along(centroid, worst, -1);
    const fr = f(reflected);
    if (fr < values[0]!) {
      const expanded = along(centroid, worst, -2);
      const fe = f(expanded);
      if (fe < fr) { points[d] = expanded; values[d] = fe; } else { points[d] = reflected; values[d] = fr; }
      continue;
    }
    if (fr < values[d - 1]!) { points[d] = reflected; values[d] = fr; continue; }
    // Contract toward the better of the worst point and its reflection.
    const outside = fr < values[d]!;
    const contracted = along(centroid, outside ? reflected : worst, 0.5);
    const fc = f(contracted);
    if (fc < (outside ? fr : values[d]!)) { points[d] = contracted; values[d] = fc; continue; }
    // Shrink everything toward the best vertex.
    for (let i = 1; i <= d; i++) {
      points[i] = along(bestPoint, points[i]!, 0.5);
      values[i] = f(points[i]!);
    }
  }
  const bestIndex = values.indexOf(Math.min(...values));
  return { x: points[bestIndex]!, value: values[bestIndex]!, iterations: budget, converged: false };
}

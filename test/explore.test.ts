/**
 * `deepts explore`: every question's experiment runs in quick mode on the real data sets,
 * draws titled pictures (PNG and SVG with real text), and its conclusion is computed from
 * its numbers — change the numbers and the words change.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import '../src/index.js';
import { QUESTIONS, findQuestion, scaling, type ExploreData } from '../src/explore/index.js';
import { loadMnist } from '../src/datasets/mnist-node.js';
import { loadCaliforniaHousing, loadCars } from '../src/datasets/tabular-node.js';
import { toSvg } from '../src/viz/svg.js';
import type { ScalingNumbers } from '../src/explore/q4-scaling.js';

let mnist: ReturnType<ExploreData['mnist']> | undefined;
const data: ExploreData = {
  mnist: () => (mnist ??= loadMnist({ limitTrain: 6000, limitTest: 2000 })),
  table: async (name) => (name === 'california' ? loadCaliforniaHousing() : loadCars()),
};

/** Every number in a JSON-like value moved (v → 1.7·v + 0.3); structure kept. */
function perturb(v: unknown): unknown {
  if (typeof v === 'number') return v * 1.7 + 0.3;
  if (Array.isArray(v)) return v.map(perturb);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, perturb(x)]));
  return v;
}

describe('deepts explore', () => {
  it('lists the lecture\'s eight questions, findable by number and name', () => {
    assert.equal(QUESTIONS.length, 8);
    assert.deepEqual(QUESTIONS.map((q) => q.id), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(findQuestion('4'), findQuestion('scaling'));
    assert.throws(() => findQuestion('nine'), /use 1–8 or one of capacity, batch-size/);
  });

  for (const q of QUESTIONS) {
    it(`${q.id}. ${q.question} — runs in quick mode, draws, concludes from its numbers`, async () => {
      const r = await q.run({ data, quick: true, seed: 7 });
      assert.ok(r.figures.length > 0, 'at least one picture');
      for (const f of r.figures) {
        assert.ok(f.title.length > 0 && f.picture.width > 100);
        const svg = toSvg(f.picture, f.title);
        assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
        assert.match(svg, /<text [^>]*>.*<tspan[^>]*>\S/, 'SVG labels are real text');
      }
      assert.ok(r.conclusion.split('\n').length >= 2, 'a conclusion of several sentences');
      assert.equal(q.conclude(r.numbers), r.conclusion, 'the conclusion is a function of the numbers');
      assert.notEqual(q.conclude(perturb(r.numbers) as never), r.conclusion, 'other numbers, other words');
    });
  }

  it('says what the numbers say, not a fixed verdict (scaling)', () => {
    const curve = (v: number): number[] => [2 * v, v];
    const base: ScalingNumbers = { valMae: { raw: curve(200_000), 'min-max': curve(52_000), 'z-score': curve(46_000), 'Normalization layer': curve(46_100) }, baselineMae: 92_000, outlier: { maxOverMedian: 12, minMaxMedian: 0.08 } };
    const a = scaling.conclude(base);
    assert.match(a, /Raw inputs were 4\.3× worse/);
    assert.match(a, /standardization won here/);
    const b = scaling.conclude({ ...base, valMae: { ...base.valMae, raw: curve(47_000), 'min-max': curve(45_000) } });
    assert.doesNotMatch(b, /Raw inputs were .* worse/);
    assert.match(b, /Min-max still did as well/);
  });
});

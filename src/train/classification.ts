/**
 * Classification helpers (browser-safe): one-hot labels (keras.utils.to_categorical),
 * top-k guesses per sample ("next likely"), the confusion matrix and a
 * scikit-learn-style classification report.
 *
 * Labels may be given as integer arrays / int32 tensors, or as [n, classes]
 * tensors of probabilities or one-hot rows (then each row's argmax is the label),
 * so `confusionMatrix(yTest, model.predict(xTest))` works directly.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

/** Integer class labels, or per-sample probability / one-hot rows (argmax taken). */
export type LabelsLike = Tensor | ArrayLike<number>;

/** Rows of class scores: a [n, classes] tensor (a [classes] tensor is one row) or nested arrays. */
export type ProbabilitiesLike = Tensor | readonly ArrayLike<number>[];

function checkLabel(v: number, i: number, what: string): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${what}: label ${v} at index ${i} is not a non-negative integer class index`);
}

function argmaxRows(data: ArrayLike<number>, n: number, classes: number): Int32Array {
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (data[r * classes + c]! > data[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** Flattens labels to integers; [n, k>1] tensors are read as probability / one-hot rows. */
function labelArray(y: LabelsLike, what: string): ArrayLike<number> {
  if (!(y instanceof Tensor)) {
    for (let i = 0; i < y.length; i++) checkLabel(y[i]!, i, what);
    return y;
  }
  const last = y.shape[y.rank - 1] ?? 1;
  if (y.rank >= 2 && last > 1) {
    if (y.rank > 2) throw new Error(`${what}: expected labels [n] or rows of class scores [n, classes], got shape ${formatShape(y.shape)}`);
    return argmaxRows(y.data, y.shape[0]!, last);
  }
  if (y.rank > 2 || (y.rank === 2 && last !== 1)) throw new Error(`${what}: expected labels of shape [n] or [n, 1], got ${formatShape(y.shape)}`);
  for (let i = 0; i < y.size; i++) checkLabel(y.data[i]!, i, what);
  return y.data;
}

/**
 * keras.utils.to_categorical: integer labels → one-hot float32 rows [n, numClasses].
 * numClasses defaults to max(label) + 1. A trailing axis of size 1 ([n, 1]) is dropped, as in Keras.
 */
export function toCategorical(labels: Tensor | ArrayLike<number>, numClasses?: number): Tensor {
  const src = labels instanceof Tensor ? labels.data : labels;
  let lead: number[] = labels instanceof Tensor ? [...labels.shape] : [src.length];
  if (lead.length > 1 && lead[lead.length - 1] === 1) lead = lead.slice(0, -1);
  let max = -1;
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (!Number.isInteger(v) || v < 0) throw new Error(`toCategorical: label ${v} at index ${i} is not a non-negative integer (class labels must be 0, 1, 2, ...)`);
    if (v > max) max = v;
  }
  if (numClasses === undefined) {
    if (max < 0) throw new Error('toCategorical: no labels given, so the number of classes is unknown (pass numClasses)');
    numClasses = max + 1;
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`toCategorical: numClasses must be a positive integer, got ${numClasses}`);
  if (max >= numClasses) {
    const at = Array.prototype.findIndex.call(src, (v: number) => v >= numClasses!);
    throw new Error(`toCategorical: label ${src[at]} at index ${at} is outside the ${numClasses} classes [0, ${numClasses})`);
  }
  const out = new Float32Array(src.length * numClasses);
  for (let i = 0; i < src.length; i++) out[i * numClasses + src[i]!] = 1;
  return new Tensor(out, [...lead, numClasses]);
}

export interface TopK {
  /** indices[r] = the k most likely classes of row r, most likely first. */
  indices: Int32Array[];
  /** The same classes as names (classNames[i], or the index as text). */
  labels: string[][];
  /** probabilities[r][j] = the score of indices[r][j]. */
  probabilities: Float32Array[];
}

function scoreRows(p: ProbabilitiesLike, what: string): { data: ArrayLike<number>; n: number; classes: number } {
  if (p instanceof Tensor) {
    if (p.rank === 0 || p.rank > 2) throw new Error(`${what}: expected scores of shape [n, classes] or [classes], got ${formatShape(p.shape)}`);
    const classes = p.shape[p.rank - 1]!;
    return { data: p.data, n: p.rank === 1 ? 1 : p.shape[0]!, classes };
  }
  const classes = p[0]?.length ?? 0;
  const data = new Float64Array(p.length * classes);
  p.forEach((row, r) => {
    if (row.length !== classes) throw new Error(`${what}: row ${r} has ${row.length} scores, row 0 has ${classes}`);
    for (let c = 0; c < classes; c++) data[r * classes + c] = row[c]!;
  });
  return { data, n: p.length, classes };
}

/**
 * The k most likely classes of each row and their probabilities (the "next likely"
 * answers). Equal scores keep the lower class index first.
 */
export function topK(probabilities: ProbabilitiesLike, k: number, classNames?: readonly string[]): TopK {
  const { data, n, classes } = scoreRows(probabilities, 'topK');
  if (!Number.isInteger(k) || k < 1 || k > classes) throw new Error(`topK: k must be an integer in [1, ${classes}] (the number of classes), got ${k}`);
  if (classNames && classNames.length !== classes) throw new Error(`topK: ${classNames.length} class names for ${classes} classes`);
  const result: TopK = { indices: [], labels: [], probabilities: [] };
  const order = Array.from({ length: classes }, (_, c) => c);
  for (let r = 0; r < n; r++) {
    const off = r * classes;
    for (let c = 0; c < classes; c++) {
      if (Number.isNaN(data[off + c]!)) throw new Error(`topK: score of class ${c} in row ${r} is NaN`);
      order[c] = c;
    }
    order.sort((a, b) => data[off + b]! - data[off + a]! || a - b);
    const idx = Int32Array.from(order.slice(0, k));
    result.indices.push(idx);
    result.labels.push(Array.from(idx, (c) => classNames?.[c] ?? String(c)));
    result.probabilities.push(Float32Array.from(idx, (c) => data[off + c]!));
  }
  return result;
}

/**
 * Fraction of rows whose true label is among the k highest scores. As Keras'
 * top_k_categorical_accuracy (tf.math.in_top_k), classes tied with the k-th score
 * count as in the top k.
 */
export function topKAccuracy(yTrue: LabelsLike, probabilities: ProbabilitiesLike, k: number): number {
  const labels = labelArray(yTrue, 'topKAccuracy');
  const { data, n, classes } = scoreRows(probabilities, 'topKAccuracy');
  if (!Number.isInteger(k) || k < 1) throw new Error(`topKAccuracy: k must be a positive integer, got ${k}`);
  if (labels.length !== n) throw new Error(`topKAccuracy: ${labels.length} labels for ${n} rows of scores`);
  let hits = 0;
  for (let r = 0; r < n; r++) {
    const label = labels[r]!;
    if (label >= classes) throw new Error(`topKAccuracy: label ${label} at index ${r} is outside the ${classes} classes`);
    const p = data[r * classes + label]!;
    let above = 0;
    for (let c = 0; c < classes; c++) if (data[r * classes + c]! > p) above++;
    if (above < k) hits++;
  }
  return n === 0 ? 0 : hits / n;
}

function pairOfLabels(yTrue: LabelsLike, yPred: LabelsLike, what: string): [ArrayLike<number>, ArrayLike<number>] {
  const t = labelArray(yTrue, `${what} yTrue`);
  const p = labelArray(yPred, `${what} yPred`);
  if (t.length !== p.length) throw new Error(`${what}: ${t.length} true labels but ${p.length} predictions`);
  return [t, p];
}

function maxLabel(...arrays: ArrayLike<number>[]): number {
  let max = -1;
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (a[i]! > max) max = a[i]!;
  return max;
}

/**
 * m[i][j] = how many samples of true class i were predicted as class j
 * (rows: true, columns: predicted, as scikit-learn). numClasses defaults to the largest label + 1.
 */
export function confusionMatrix(yTrue: LabelsLike, yPred: LabelsLike, numClasses?: number): number[][] {
  const [t, p] = pairOfLabels(yTrue, yPred, 'confusionMatrix');
  const k = numClasses ?? maxLabel(t, p) + 1;
  if (!Number.isInteger(k) || k < 1) throw new Error(`confusionMatrix: numClasses must be a positive integer, got ${numClasses ?? k}`);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < t.length; i++) {
    const [a, b] = [t[i]!, p[i]!];
    if (a >= k || b >= k) throw new Error(`confusionMatrix: ${a >= k ? `true label ${a}` : `prediction ${b}`} at index ${i} is outside the ${k} classes [0, ${k})`);
    m[a]![b]!++;
  }
  return m;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Number of true samples of the class. */
  support: number;
}

export interface ClassificationReport {
  /** Class names in report order (classNames, or the labels that occur, as text). */
  classNames: string[];
  perClass: ClassScores[];
  accuracy: number;
  macroAvg: ClassScores;
  weightedAvg: ClassScores;
}

/**
 * Precision, recall, F1 and support per class, accuracy, macro and support-weighted
 * averages — the numbers of sklearn.metrics.classification_report (an undefined
 * precision or recall, 0/0, counts as 0, as sklearn's zero_division default does).
 * With classNames, the classes are 0..classNames.length-1; without, the labels that
 * occur in yTrue or yPred (as sklearn).
 */
export function classificationReport(yTrue: LabelsLike, yPred: LabelsLike, classNames?: readonly string[]): ClassificationReport {
  const [t, p] = pairOfLabels(yTrue, yPred, 'classificationReport');
  if (t.length === 0) throw new Error('classificationReport: no samples');
  const k = classNames ? classNames.length : maxLabel(t, p) + 1;
  if (classNames && maxLabel(t, p) >= k) throw new Error(`classificationReport: label ${maxLabel(t, p)} has no name (${k} class names given)`);
  const m = confusionMatrix(t, p, k);
  const classes = Array.from({ length: k }, (_, c) => c).filter((c) => classNames || m[c]!.some((v) => v > 0) || m.some((row) => row[c]! > 0));
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  const perClass = classes.map((c): ClassScores => {
    const tp = m[c]![c]!;
    const support = m[c]!.reduce((a, b) => a + b, 0);
    const predicted = m.reduce((s, row) => s + row[c]!, 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const total = t.length;
  const average = (weight: (s: ClassScores) => number): ClassScores => {
    const w = perClass.map(weight);
    const wSum = w.reduce((a, b) => a + b, 0);
    const mean = (f: (s: ClassScores) => number): number => ratio(perClass.reduce((s, c, i) => s + f(c) * w[i]!, 0), wSum);
    return { precision: mean((s) => s.precision), recall: mean((s) => s.recall), f1: mean((s) => s.f1), support: total };
  };
  const correct = classes.reduce((s, c) => s + m[c]![c]!, 0);
  return {
    classNames: classes.map((c) => classNames?.[c] ?? String(c)),
    perClass,
    accuracy: correct / total,
    macroAvg: average(() => 1),
    weightedAvg: average((s) => s.support),
  };
}

/** The report as text, laid out exactly like sklearn's classification_report (digits=2 by default). */
export function formatClassificationReport(report: ClassificationReport, digits = 2): string {
  const heading = 'weighted avg';
  const width = Math.max(heading.length, digits, ...report.classNames.map((n) => n.length));
  const name = (s: string): string => s.padStart(width);
  const num = (v: number): string => v.toFixed(digits).padStart(9);
  const cell = (s: string | number): string => String(s).padStart(9);
  const row = (label: string, s: ClassScores): string => `${name(label)}  ${num(s.precision)} ${num(s.recall)} ${num(s.f1)} ${cell(s.support)}\n`;
  let out = `${name('')}  ${cell('precision')} ${cell('recall')} ${cell('f1-score')} ${cell('support')}\n\n`;
  report.perClass.forEach((s, i) => { out += row(report.classNames[i]!, s); });
  out += '\n';
  out += `${name('accuracy')}  ${cell('')} ${cell('')} ${num(report.accuracy)} ${cell(report.macroAvg.support)}\n`;
  out += row('macro avg', report.macroAvg);
  out += row('weighted avg', report.weightedAvg);
  return out;
}

/**
 * Indices of the most confident wrong predictions (highest predicted probability
 * among rows whose argmax is not the true label), most confident first.
 */
export function mostConfidentMistakes(yTrue: LabelsLike, probabilities: ProbabilitiesLike, count: number): number[] {
  const labels = labelArray(yTrue, 'mostConfidentMistakes');
  const { data, n, classes } = scoreRows(probabilities, 'mostConfidentMistakes');
  if (labels.length !== n) throw new Error(`mostConfidentMistakes: ${labels.length} labels for ${n} rows of scores`);
  const predicted = argmaxRows(data, n, classes);
  const wrong: number[] = [];
  for (let r = 0; r < n; r++) if (predicted[r] !== labels[r]) wrong.push(r);
  const confidence = (r: number): number => data[r * classes + predicted[r]!]!;
  wrong.sort((a, b) => confidence(b) - confidence(a) || a - b);
  return wrong.slice(0, Math.max(0, count));
}

/** Argmax per row: class scores [n, classes] → predicted labels. */
export function predictedLabels(probabilities: ProbabilitiesLike): Int32Array {
  const { data, n, classes } = scoreRows(probabilities, 'predictedLabels');
  return argmaxRows(data, n, classes);
}

/** "98.1%", with the ends kept honest: ">99.9%" and "<0.1%" instead of rounding to 100 or 0. */
export function formatPercent(p: number): string {
  if (p > 0.9995) return '>99.9%';
  if (p < 0.0005) return '<0.1%';
  return `${(p * 100).toFixed(1)}%`;
}

/** "7 98.1%\n9 1.2%\n1 0.3%": one line per guess. */
export function topKCaption(top: TopK, row: number): string {
  return top.labels[row]!.map((label, j) => `${label} ${formatPercent(top.probabilities[row]![j]!)}`).join('\n');
}

/** The confusion matrix as an aligned text table, true classes down, predicted across. */
export function formatConfusionMatrix(m: readonly (readonly number[])[], classNames: readonly string[]): string {
  const width = Math.max(6, ...classNames.map((c) => c.length), ...m.flat().map((v) => String(v).length)) + 2;
  const head = `${'true \\ predicted'.padEnd(Math.max(18, width))}${classNames.map((c) => c.padStart(width)).join('')}`;
  const rows = m.map((row, i) => `${classNames[i]!.padEnd(Math.max(18, width))}${row.map((v) => String(v).padStart(width)).join('')}`);
  return [head, ...rows].join('\n');
}

/**
 * The trivial baseline of a classifier: always answer the most frequent training label. Its
 * held-out accuracy is what a model must clearly beat (ties go to the label seen first).
 */
export function majorityClassBaseline<L extends string | number>(trainLabels: ArrayLike<L>, testLabels: ArrayLike<L>): { label: L; accuracy: number } {
  if (trainLabels.length === 0) throw new Error('majorityClassBaseline: no training labels');
  const counts = new Map<L, number>();
  let label = trainLabels[0]!;
  for (let i = 0; i < trainLabels.length; i++) {
    const c = (counts.get(trainLabels[i]!) ?? 0) + 1;
    counts.set(trainLabels[i]!, c);
    if (c > counts.get(label)!) label = trainLabels[i]!;
  }
  let hits = 0;
  for (let i = 0; i < testLabels.length; i++) if (testLabels[i] === label) hits++;
  return { label, accuracy: testLabels.length === 0 ? NaN : hits / testLabels.length };
}

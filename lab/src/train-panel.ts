/**
 * Training in the page: the lecture's settings in a form, fit in the worker, loss and
 * val_loss curves and reconstructions (or guesses) redrawn at most once per frame.
 */
import { drawDigit, lineChart } from './plot';
import type { LabWorker } from './lab-worker';
import type { ActivationChoice, ModelFiles, ModelKind, OptimizerChoice, TrainSettings } from './protocol';

/** The lecture's autoencoder and the course's homework classifier. */
export const LECTURE_SETTINGS: Record<ModelKind, Omit<TrainSettings, 'kind' | 'seed'>> = {
  autoencoder: { hidden: [128, 64, 32], activation: 'relu', optimizer: 'adamax', learningRate: 0.001, batchSize: 256, epochs: 17, trainSize: 60000, valSize: 10000 },
  classifier: { hidden: [128, 128], activation: 'relu', optimizer: 'adam', learningRate: 0.001, batchSize: 512, epochs: 10, trainSize: 60000, valSize: 10000 },
};

export interface TrainState {
  running: boolean;
  paused: boolean;
  batchLoss: number[];
  batchX: number[];
  epochLoss: number[];
  valLoss: number[];
  epochs: number;
  previews: number;
  status: string;
}

const $ = <T extends HTMLElement>(root: ParentNode, sel: string): T => {
  const el = root.querySelector<T>(sel);
  if (!el) throw new Error(`lab page: element ${sel} is missing`);
  return el;
};

export class TrainPanel {
  readonly state: TrainState = { running: false, paused: false, batchLoss: [], batchX: [], epochLoss: [], valLoss: [], epochs: 0, previews: 0, status: '' };
  /** The last model trained here (for download), and a callback when training finishes. */
  trained: { kind: ModelKind; files: ModelFiles } | null = null;
  onTrained: (kind: ModelKind, files: ModelFiles) => void = () => {};
  private settings: TrainSettings | null = null;
  private frame = 0;
  private preview: { inputs: Float32Array; outputs: Float32Array; count: number; width: number } | null = null;
  private readonly form: HTMLFormElement;

  constructor(private readonly root: HTMLElement, private readonly worker: LabWorker) {
    this.form = $(root, 'form');
    this.fill(LECTURE_SETTINGS.autoencoder);
    $<HTMLSelectElement>(root, '[name=kind]').addEventListener('change', (e) => this.fill(LECTURE_SETTINGS[(e.target as HTMLSelectElement).value as ModelKind]));
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.start(); });
    $(root, '.pause').addEventListener('click', () => this.worker.send({ type: this.state.paused ? 'resume' : 'pause' }));
    $(root, '.stop').addEventListener('click', () => this.worker.send({ type: 'stop' }));
    worker.on('status', (m) => this.setStatus(m.text));
    worker.on('batch', (m) => {
      this.state.batchLoss.push(m.loss);
      this.state.batchX.push(m.epoch + (m.step + 1) / m.steps);
      this.setStatus(`epoch ${m.epoch + 1}/${this.settings?.epochs}, batch ${m.step + 1}/${m.steps}, loss ${m.loss.toFixed(4)}`);
    });
    worker.on('epoch', (m) => {
      this.state.epochLoss.push(m.loss);
      this.state.valLoss.push(m.valLoss);
      this.state.epochs = m.epoch + 1;
      const acc = m.valAccuracy !== undefined ? `, val_accuracy ${(m.valAccuracy * 100).toFixed(1)}%` : '';
      $(root, '.epochs').textContent += `Epoch ${m.epoch + 1}: ${m.seconds.toFixed(1)}s - loss: ${m.loss.toFixed(4)} - val_loss: ${m.valLoss.toFixed(4)}${acc}\n`;
    });
    worker.on('preview', (m) => { this.preview = m; this.state.previews++; this.redraw(); });
    worker.on('paused', () => { this.state.paused = true; this.buttons(); this.setStatus('paused'); });
    worker.on('resumed', () => { this.state.paused = false; this.buttons(); });
    worker.on('done', (m) => {
      this.state.running = false;
      this.state.paused = false;
      const kind = this.settings!.kind;
      this.trained = { kind, files: m.model };
      this.setStatus(`${m.stopped ? 'stopped' : 'done'} after ${this.state.epochs} epoch(s); the drawing pad now uses this ${kind}`);
      this.buttons();
      this.onTrained(kind, m.model);
    });
    worker.on('error', (m) => {
      if (!this.state.running) return;
      this.state.running = false;
      this.setStatus(`error: ${m.message}`);
      this.buttons();
    });
    this.buttons();
  }

  private fill(s: Omit<TrainSettings, 'kind' | 'seed'>): void {
    const set = (name: string, v: string | number): void => { (this.form.elements.namedItem(name) as HTMLInputElement).value = String(v); };
    set('hidden', s.hidden.join(', '));
    set('activation', s.activation);
    set('optimizer', s.optimizer);
    set('learningRate', s.learningRate);
    set('batchSize', s.batchSize);
    set('epochs', s.epochs);
    set('trainSize', s.trainSize);
    set('valSize', s.valSize);
  }

  /** The form's settings; throws a readable message for bad values. */
  read(): TrainSettings {
    const f = new FormData(this.form);
    const num = (name: string, min: number, max: number, int = true): number => {
      const v = Number(f.get(name));
      if (!Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) throw new Error(`${name} must be ${int ? 'a whole number' : 'a number'} from ${min} to ${max}`);
      return v;
    };
    const hidden = String(f.get('hidden')).split(/[\s,]+/).filter(Boolean).map(Number);
    if (hidden.length === 0 || hidden.some((u) => !Number.isInteger(u) || u < 1 || u > 4096)) throw new Error('layers: give unit counts like "128, 64, 32" (each 1 to 4096)');
    return {
      kind: f.get('kind') as ModelKind, hidden, activation: f.get('activation') as ActivationChoice, optimizer: f.get('optimizer') as OptimizerChoice,
      learningRate: num('learningRate', 1e-6, 10, false), batchSize: num('batchSize', 1, 60000), epochs: num('epochs', 1, 1000),
      trainSize: num('trainSize', 1, 60000), valSize: num('valSize', 1, 10000), seed: num('seed', 0, 2 ** 31),
    };
  }

  start(): void {
    if (this.state.running) return;
    let s: TrainSettings;
    try {
      s = this.read();
    } catch (e) {
      this.setStatus((e as Error).message);
      return;
    }
    this.settings = s;
    Object.assign(this.state, { running: true, paused: false, batchLoss: [], batchX: [], epochLoss: [], valLoss: [], epochs: 0, previews: 0 });
    this.preview = null;
    $(this.root, '.epochs').textContent = '';
    this.buttons();
    this.redraw();
    this.worker.send({ type: 'train', settings: s });
  }

  private setStatus(text: string): void {
    this.state.status = text;
    $(this.root, '.status').textContent = text;
  }

  private buttons(): void {
    const run = this.state.running;
    $<HTMLButtonElement>(this.root, '.train').disabled = run;
    $<HTMLButtonElement>(this.root, '.pause').disabled = !run;
    $<HTMLButtonElement>(this.root, '.pause').textContent = this.state.paused ? 'Resume' : 'Pause';
    $<HTMLButtonElement>(this.root, '.stop').disabled = !run;
    $<HTMLButtonElement>(this.root, '.download').disabled = run || !this.trained;
  }

  /** Charts and previews, at most once per animation frame however fast batches arrive. */
  private redraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const st = this.state;
      const epochsX = st.epochLoss.map((_, i) => i + 1);
      lineChart($(this.root, '.curve'), [
        { values: st.batchLoss, xs: st.batchX, color: '#9bbbe0', label: 'batch loss', width: 1 },
        { values: st.epochLoss, xs: epochsX, color: '#2a7ae2', label: 'loss', dots: true },
        { values: st.valLoss, xs: epochsX, color: '#e2762a', label: 'val_loss', dots: true },
      ], { xLabel: 'epoch', xMax: this.settings?.epochs ?? 1 });
      this.drawPreview();
    });
  }

  private drawPreview(): void {
    const p = this.preview;
    const cells = this.root.querySelectorAll<HTMLCanvasElement>('.preview canvas');
    const labels = this.root.querySelectorAll<HTMLElement>('.preview .guess');
    if (!p) return;
    for (let i = 0; i < Math.min(p.count, cells.length / 2); i++) {
      drawDigit(cells[2 * i]!, p.inputs, i * 784);
      if (p.width === 784) drawDigit(cells[2 * i + 1]!, p.outputs, i * 784);
      else {
        const probs = Array.from(p.outputs.subarray(i * p.width, (i + 1) * p.width));
        const best = probs.indexOf(Math.max(...probs));
        cells[2 * i + 1]!.getContext('2d')?.clearRect(0, 0, 999, 999);
        if (labels[i]) labels[i].textContent = `${best} (${(probs[best]! * 100).toFixed(0)}%)`;
      }
      if (p.width === 784 && labels[i]) labels[i].textContent = '';
    }
  }
}

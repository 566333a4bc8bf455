/**
 * The drawing pad: pointer strokes (mouse, pen, finger) on a canvas, turned into the
 * 28×28 MNIST input exactly as `deepts predict` does (digitImageToMnist), then the
 * classifier's top 3 and the autoencoder's reconstruction and code, live while drawing.
 * The code's bars can be dragged; the decoder redraws from the edited code.
 */
import { Tensor, digitImageToMnist, topK, type Sequential } from 'deepts/core';
import { codeBars, ctx2d, drawDigit, probabilityBars } from './plot';
import { predictOne, splitAutoencoder, type SplitAutoencoder } from './model-files';

export interface DrawPadViews {
  pad: HTMLCanvasElement;
  input28: HTMLCanvasElement;
  guesses: HTMLCanvasElement;
  reconstruction: HTMLCanvasElement;
  code: HTMLCanvasElement;
  decoded: HTMLCanvasElement;
  clear: HTMLButtonElement;
  note: HTMLElement;
}

const INK_WIDTH = 0.075;

export class DrawPad {
  /** The drawing as the model sees it (784 values), or null while the pad is blank. */
  pixels: Float32Array | null = null;
  top: { label: number; probability: number }[] = [];
  code: Float32Array | null = null;
  private classifier: Sequential | null = null;
  private ae: SplitAutoencoder | null = null;
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private pending = false;
  private dragBar = -1;
  private codeMax = 1;
  /** Called whenever the 28×28 input changes (the trainer sends it to the worker). */
  onInput: (pixels: Float32Array | null) => void = () => {};

  constructor(private readonly v: DrawPadViews) {
    this.clear();
    const pad = v.pad;
    pad.addEventListener('pointerdown', (e) => {
      pad.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.last = this.at(e);
      this.stroke(this.last, this.last, e.pressure);
    });
    pad.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      // Coalesced events keep fast pen and finger strokes smooth.
      for (const ev of e.getCoalescedEvents?.() ?? [e]) {
        const p = this.at(ev);
        this.stroke(this.last!, p, ev.pressure);
        this.last = p;
      }
    });
    const end = (): void => { this.drawing = false; this.last = null; };
    pad.addEventListener('pointerup', end);
    pad.addEventListener('pointercancel', end);
    v.clear.addEventListener('click', () => this.clear());
    this.bindCodeDrag();
  }

  setClassifier(model: Sequential | null): void {
    this.classifier = model;
    this.update();
  }

  setAutoencoder(model: Sequential | null): void {
    this.ae = model ? splitAutoencoder(model) : null;
    this.update();
  }

  clear(): void {
    const c = ctx2d(this.v.pad);
    c.fillStyle = '#fff';
    c.fillRect(0, 0, this.v.pad.width, this.v.pad.height);
    this.update();
  }

  /** Pad coordinates of a pointer event, in canvas pixels. */
  private at(e: PointerEvent): { x: number; y: number } {
    const r = this.v.pad.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * this.v.pad.width, y: ((e.clientY - r.top) / r.height) * this.v.pad.height };
  }

  private stroke(a: { x: number; y: number }, b: { x: number; y: number }, pressure: number): void {
    const c = ctx2d(this.v.pad);
    const pen = pressure > 0 && pressure !== 0.5 ? 0.6 + 0.8 * pressure : 1;
    c.strokeStyle = '#000';
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.lineWidth = this.v.pad.width * INK_WIDTH * pen;
    c.beginPath();
    c.moveTo(a.x, a.y);
    c.lineTo(b.x, b.y);
    c.stroke();
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.update();
    });
  }

  /** Re-reads the pad and refreshes every view. */
  update(): void {
    const { pad } = this.v;
    const image = ctx2d(pad).getImageData(0, 0, pad.width, pad.height);
    try {
      this.pixels = digitImageToMnist(image);
    } catch {
      this.pixels = null;
    }
    this.onInput(this.pixels);
    const blank = new Float32Array(784);
    drawDigit(this.v.input28, this.pixels ?? blank);
    if (this.pixels && this.classifier) {
      const probs = predictOne(this.classifier, this.pixels);
      const t = topK(new Tensor(probs, [1, probs.length]), 3);
      this.top = Array.from(t.indices[0]!, (label, j) => ({ label, probability: t.probabilities[0]![j]! }));
    } else {
      this.top = [];
    }
    probabilityBars(this.v.guesses, this.top.map((g) => ({ label: String(g.label), value: g.probability })));
    this.v.note.textContent = !this.classifier ? 'no classifier loaded' : this.pixels ? '' : 'draw a digit';
    if (this.ae && this.pixels) {
      this.code = Float32Array.from(predictOne(this.ae.encoder, this.pixels));
      drawDigit(this.v.reconstruction, predictOne(this.ae.decoder, this.code));
      this.codeMax = Math.max(1, ...this.code) * 1.2;
    } else {
      drawDigit(this.v.reconstruction, blank);
      this.code = this.ae ? new Float32Array(this.ae.codeSize) : null;
    }
    this.redrawCode();
  }

  private redrawCode(): void {
    if (!this.code || !this.ae) return;
    codeBars(this.v.code, this.code, this.codeMax, this.dragBar);
    drawDigit(this.v.decoded, predictOne(this.ae.decoder, this.code));
  }

  /** Dragging a bar up or down sets that code value; the decoder's picture follows. */
  private bindCodeDrag(): void {
    const canvas = this.v.code;
    const set = (e: PointerEvent): void => {
      if (!this.code) return;
      const r = canvas.getBoundingClientRect();
      if (this.dragBar < 0) this.dragBar = Math.min(this.code.length - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * this.code.length)));
      const frac = 1 - (e.clientY - r.top - 4) / (r.height - 8);
      this.code[this.dragBar] = Math.max(0, Math.min(1, frac)) * this.codeMax;
      this.redrawCode();
    };
    canvas.addEventListener('pointerdown', (e) => { canvas.setPointerCapture(e.pointerId); this.dragBar = -1; set(e); });
    canvas.addEventListener('pointermove', (e) => { if (this.dragBar >= 0) set(e); });
    const end = (): void => { this.dragBar = -1; this.redrawCode(); };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }
}

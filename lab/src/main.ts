/** deepts lab: wires the page's sections to the models and the training worker. */
import type { Sequential } from 'deepts/core';
import './style.css';
import { DrawPad } from './draw-pad';
import { LabWorker } from './lab-worker';
import { confusionDemo, leastSquaresDemo, mleDemo, regressionDemo } from './lecture';
import { inputSize, modelFromFiles, predictOne } from './model-files';
import type { ModelFiles, ModelKind } from './protocol';
import { TrainPanel } from './train-panel';

const $ = <T extends HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`lab page: element ${sel} is missing`);
  return el;
};

const worker = new LabWorker();
const pad = new DrawPad({
  pad: $('#pad'), input28: $('#input28'), guesses: $('#guesses'), reconstruction: $('#reconstruction'),
  code: $('#code'), decoded: $('#decoded'), clear: $('#clear'), note: $('#pad-note'),
});
pad.onInput = (pixels) => { if (pixels) worker.send({ type: 'probe', pixels: pixels.slice() }); };
const current: Record<ModelKind, { model: Sequential; files: ModelFiles; source: string } | null> = { classifier: null, autoencoder: null };

/** A model's role from its shapes: 784 → 10 classifies, 784 → 784 reconstructs. */
function kindOf(model: Sequential): ModelKind {
  if (inputSize(model) !== 784) throw new Error(`the model takes ${inputSize(model)} inputs, not a 28×28 digit`);
  const out = predictOne(model, new Float32Array(784)).length;
  if (out === 784) return 'autoencoder';
  if (out >= 2 && out <= 100) return 'classifier';
  throw new Error(`the model gives ${out} outputs: neither class probabilities nor a 28×28 picture`);
}

function install(files: ModelFiles, source: string): ModelKind {
  const model = modelFromFiles(files);
  const kind = kindOf(model);
  current[kind] = { model, files, source };
  if (kind === 'classifier') pad.setClassifier(model);
  else pad.setAutoencoder(model);
  $(`#${kind}-source`).textContent = source;
  return kind;
}

async function loadStarter(kind: ModelKind): Promise<void> {
  try {
    const [json, weights] = await Promise.all([
      fetch(`/models/${kind}/model.json`).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.text(); }),
      fetch(`/models/${kind}/weights.bin`).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.arrayBuffer(); }),
    ]);
    install({ json, weights }, `starter ${kind} (trained by npm install, seed 1)`);
  } catch (e) {
    $(`#${kind}-source`).textContent = `no starter ${kind} (${(e as Error).message}); train one below or load one`;
  }
}

/** model.json + weights.bin from chosen files or a dropped folder. */
async function loadFiles(files: File[]): Promise<void> {
  const status = $('#load-status');
  try {
    const json = files.find((f) => f.name === 'model.json');
    const bin = files.find((f) => f.name === 'weights.bin');
    if (!json || !bin) throw new Error(`choose both model.json and weights.bin (got ${files.map((f) => f.name).join(', ') || 'nothing'})`);
    const kind = install({ json: await json.text(), weights: await bin.arrayBuffer() }, `loaded from ${json.webkitRelativePath || 'your files'}`);
    status.textContent = `loaded a ${kind}`;
  } catch (e) {
    status.textContent = `cannot load: ${(e as Error).message}`;
  }
}

async function filesOfEntry(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) return [await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail))];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const entries = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
  return (await Promise.all(entries.map(filesOfEntry))).flat();
}

const drop = $('#drop');
$<HTMLInputElement>('#files').addEventListener('change', (e) => void loadFiles([...((e.target as HTMLInputElement).files ?? [])]));
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const entries = [...(e.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => !!x);
  // A dropped folder comes as entries; browsers without entries (or files dropped by a script) give plain files.
  if (entries.length === 0) void loadFiles([...(e.dataTransfer?.files ?? [])]);
  else void Promise.all(entries.map(filesOfEntry)).then((f) => loadFiles(f.flat()));
});

function download(files: ModelFiles): void {
  const save = (name: string, blob: Blob): void => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  save('model.json', new Blob([files.json], { type: 'application/json' }));
  setTimeout(() => save('weights.bin', new Blob([files.weights])), 300);
}

const panel = new TrainPanel($('#train'), worker);
panel.onTrained = (_kind, files) => install({ json: files.json, weights: files.weights.slice(0) }, 'trained in this page');
$('#train .download').addEventListener('click', () => { if (panel.trained) download(panel.trained.files); });

const mle = mleDemo($('#mle canvas'), $('#mle .readout'), $('#mle .best'));
const ls = leastSquaresDemo($('#ls .points'), $('#ls .trail'), $('#ls .readout'), $('#ls .fit'));
const regression = regressionDemo($('#regression'), worker);
const confusion = confusionDemo($('#confusion'), worker, () => current.classifier?.files ?? null);
worker.on('backend', (m) => { $('#backend').textContent = `training backend: ${m.name}${m.threads > 1 ? ` (${m.threads} threads)` : ''}${self.crossOriginIsolated ? '' : ' · page not cross-origin isolated'}`; });

/** For the browser tests and the curious (open the console): the page's state. */
const starters = Promise.all([loadStarter('classifier'), loadStarter('autoencoder')]);
Object.assign(window, {
  __lab: {
    ready: starters.then(() => true),
    pad, train: panel.state, mle: mle.state, leastSquares: ls.state, regression: regression.state, confusion: confusion.state,
    models: () => ({ classifier: current.classifier?.source ?? null, autoencoder: current.autoencoder?.source ?? null }),
    /** The current classifier's probabilities for 784 pixels. */
    classify: (pixels: number[]) => Array.from(predictOne(current.classifier!.model, Float32Array.from(pixels))),
    /** The current autoencoder's reconstruction of 784 pixels. */
    autoencode: (pixels: number[]) => Array.from(predictOne(current.autoencoder!.model, Float32Array.from(pixels))),
  },
});

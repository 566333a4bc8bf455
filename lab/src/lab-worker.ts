/** The page's side of the training worker: typed messages, one handler list per message type. */
import type { FromWorker, ToWorker } from './protocol';

type Handler<T extends FromWorker['type']> = (m: Extract<FromWorker, { type: T }>) => void;

export class LabWorker {
  private readonly worker: Worker;
  private readonly handlers = new Map<string, ((m: FromWorker) => void)[]>();

  constructor() {
    this.worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      for (const h of this.handlers.get(e.data.type) ?? []) h(e.data);
    };
    this.worker.onerror = (e) => {
      for (const h of this.handlers.get('error') ?? []) h({ type: 'error', message: e.message || 'the training worker failed to start' });
    };
  }

  on<T extends FromWorker['type']>(type: T, handler: Handler<T>): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler as (m: FromWorker) => void);
    this.handlers.set(type, list);
  }

  send(m: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(m, transfer);
  }
}

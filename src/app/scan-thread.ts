/**
 * A scan worker thread (scan-threads.ts): evaluates the batches it is sent against the
 * scan's frame (its workerData) and renders each batch's items once the scan has looked up
 * their pay links.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { evaluateBatch, type EvaluatedBatch, type ScanFrame } from './evaluate-batch.js';
import type { ThreadAnswer, ThreadRequest } from './scan-threads.js';

const frame = workerData as ScanFrame;
const evaluated = new Map<number, EvaluatedBatch>();
const port = parentPort!;

port.on('message', (m: ThreadRequest) => {
  let answer: ThreadAnswer;
  try {
    if (m.kind === 'evaluate') {
      const batch = evaluateBatch(frame, m.batch);
      evaluated.set(m.id, batch);
      answer = { id: m.id, ok: true, value: batch.result };
    } else {
      const batch = evaluated.get(m.id);
      if (!batch) throw new Error(`scan batch ${m.id} was not evaluated on this thread`);
      evaluated.delete(m.id);
      answer = { id: m.id, ok: true, value: batch.render(m.links) };
    }
  } catch (error) {
    answer = {
      id: m.id,
      ok: false,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  port.postMessage(answer);
});

/**
 * A scan worker thread (scan-threads.ts): evaluates the batches it is sent against the
 * scan's frame (its workerData) and renders each batch's items: at once, or, when the
 * scan looks up pay links for them, once it has.
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
      const batch = evaluateBatch(frame, m.batch, { renderNow: !m.withLinks });
      const linksWanted = m.withLinks && batch.result.wantLinks.length > 0;
      if (linksWanted) evaluated.set(m.id, batch);
      const items = linksWanted ? null : batch.render(new Map());
      answer = { id: m.id, ok: true, value: { result: batch.result, items } };
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

/**
 * Write-back (SPEC 11: CRM, work trackers, sheets, helpdesk): each configured sink gets the
 * organisation's case events — case opened / closed, action sent / failed, reply received —
 * in audit order, with the lease's context (tenant, property, balance), and keeps its own
 * cursor (the last audit seq written). A sink that fails stops at that event and resumes
 * there on the next pass, so nothing is skipped; a crash between a write and the cursor
 * update repeats one event, which sinks make harmless by keying on `event.id`.
 *
 * A new sink starts from the beginning of the audit log: the CRM learns every case, not
 * only those that move after it was connected.
 */
import type { Clock } from './ports/clock.js';
import type { CursorStore } from './ports/cursors.js';
import {
  AUDIT_TYPE_OF,
  publicEventOf,
  type AuditFeedEntry,
  type PublicEvent,
} from './publish-events.js';

/** What a sink knows about the lease an event is about. */
export interface CaseContext {
  leaseId: string;
  unit: string;
  tenant: { id: string; name: string; email: string | null; phone: string | null } | null;
  property: { id: string; name: string; kind: string; jurisdiction: string } | null;
  /** The ledger balance now (charges − payments and credits), in cents. */
  balanceCents: number;
}

export interface CaseEvent {
  event: PublicEvent;
  /** Null when the lease is gone (erased): a sink may still close its record. */
  context: CaseContext | null;
}

export type SinkOutcome =
  { ok: true } | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

/** A connector's write-back (connectors/contract.ts ConnectorInstance.sink). */
export interface CaseSinkPort {
  /** Writes one event; idempotent on `event.id`. Never throws for provider answers. */
  apply(e: CaseEvent, signal?: AbortSignal): Promise<SinkOutcome>;
}

export interface WriteBackDeps {
  cursors: CursorStore;
  audit: {
    readAudit(
      orgId: string,
      afterSeq: number,
      types: readonly string[],
      limit: number,
    ): Promise<{ entries: AuditFeedEntry[]; complete: number }>;
  };
  context(orgId: string, leaseId: string): Promise<CaseContext | null>;
  clock: Clock;
}

export interface WriteBackReport {
  /** Events written per sink in this pass. */
  written: Record<string, number>;
  /** Sinks that stopped at an event: the reason. */
  stopped: Record<string, string>;
}

const TYPES = Object.values(AUDIT_TYPE_OF);

export async function writeBack(
  deps: WriteBackDeps,
  orgId: string,
  sinks: readonly { id: string; sink: CaseSinkPort }[],
  options: { batchSize?: number; maxPerPass?: number; signal?: AbortSignal } = {},
): Promise<WriteBackReport> {
  const report: WriteBackReport = { written: {}, stopped: {} };
  const batch = options.batchSize ?? 200;
  const max = options.maxPerPass ?? 1000;
  for (const { id, sink } of sinks) {
    const state = await deps.cursors.get(orgId, id, 'sink');
    let cursor = Number(state.cursor ?? 0);
    let written = 0;
    let error: string | null = null;
    const contexts = new Map<string, CaseContext | null>();
    outer: while (written < max && !options.signal?.aborted) {
      const { entries, complete } = await deps.audit.readAudit(orgId, cursor, TYPES, batch);
      if (entries.length === 0) {
        cursor = Math.max(cursor, complete);
        break;
      }
      for (const entry of entries) {
        const event = publicEventOf(orgId, entry);
        if (event) {
          let context: CaseContext | null = null;
          if (event.leaseId !== null) {
            if (!contexts.has(event.leaseId))
              contexts.set(event.leaseId, await deps.context(orgId, event.leaseId));
            context = contexts.get(event.leaseId) ?? null;
          }
          const outcome = await sink.apply({ event, context }, options.signal);
          if (!outcome.ok) {
            error = outcome.reason;
            // A refusal that will never pass (a bad field mapping) must not block the stream:
            // it is recorded and skipped; a retryable failure holds the cursor here.
            if (outcome.retryable) break outer;
          }
          written++;
        }
        cursor = entry.seq;
      }
    }
    report.written[id] = written;
    if (error !== null) report.stopped[id] = error;
    await deps.cursors.set(orgId, id, 'sink', {
      cursor: String(cursor),
      lastRunAt: new Date(deps.clock.now()).toISOString(),
      lastError: error,
    });
  }
  return report;
}

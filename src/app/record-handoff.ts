/**
 * Legal hand-offs (SPEC 11 "legal hand-off"): a lease's evidence packet goes to an attorney
 * (connectors/legalzoom), and what becomes of it is recorded here as staff learn it:
 *
 *   prepared → sent → acknowledged → filed
 *                  ↘              ↘
 *                   returned ← ─ ─ ┘   (returned → prepared / sent: a new hand-off)
 *
 * Each step is an audit entry `handoff.status` about `lease:<id>` (SPEC 7): the audit log is
 * the record, so there is no table to keep in step. A step repeated (the same status as now)
 * changes nothing; a step the chart does not allow is a conflict naming the allowed ones. A
 * hand-off starts `prepared` or `sent` (the legal connector records both when it mails the
 * packet; staff record `sent` for a packet they sent themselves). `filed` ends it; a later
 * escalation starts the next one.
 *
 * The current status is read before the entry is appended, in two steps: two people
 * recording the same lease at the same instant could both pass the check; the log keeps
 * both entries in order, each with the status it moved from.
 */
import type { AuditInput } from '../domain/audit/chain.js';
import { AppError, InputError } from '../domain/errors.js';
import type { Clock } from './ports/clock.js';

export const HANDOFF_STATUSES = ['prepared', 'sent', 'acknowledged', 'filed', 'returned'] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];

export const HANDOFF_AUDIT_TYPE = 'handoff.status';

/** What each entry's data holds. */
export interface HandoffAuditData {
  status: HandoffStatus;
  /** The status it moved from; null for the first step of a hand-off. */
  from: HandoffStatus | null;
  note: string | null;
  /** Set by the connector: the escalation, the packet sent and how. */
  outboxKey?: string;
  manifestSha256?: string;
  delivery?: 'attachment' | 'link';
}

const NEXT: Readonly<Record<HandoffStatus | 'none', readonly HandoffStatus[]>> = {
  none: ['prepared', 'sent'],
  prepared: ['sent'],
  sent: ['acknowledged', 'returned'],
  acknowledged: ['filed', 'returned'],
  filed: ['prepared', 'sent'],
  returned: ['prepared', 'sent'],
};

export function isHandoffStatus(value: unknown): value is HandoffStatus {
  return typeof value === 'string' && (HANDOFF_STATUSES as readonly string[]).includes(value);
}

export interface HandoffEntry {
  seq: number;
  at: string;
  actor: string;
  status: HandoffStatus;
  from: HandoffStatus | null;
  note: string | null;
  outboxKey: string | null;
}

/** storage: the lease's `handoff.status` entries and the audit append. */
export interface HandoffStore {
  leaseExists(orgId: string, leaseId: string): Promise<boolean>;
  /** The lease's hand-off entries, oldest first. */
  history(orgId: string, leaseId: string): Promise<HandoffEntry[]>;
  /** Appends one audit entry in its own transaction. */
  append(orgId: string, entry: AuditInput): Promise<void>;
}

export interface RecordHandoffDeps {
  handoffs: HandoffStore;
  clock: Clock;
}

export interface HandoffResult {
  leaseId: string;
  from: HandoffStatus | null;
  status: HandoffStatus;
  /** False when the hand-off already had this status (nothing was written). */
  changed: boolean;
  at: string;
  history: HandoffEntry[];
}

const MAX_NOTE = 2000;

/** Reads an audit entry's data as a hand-off step (null for anything else). */
export function handoffEntryOf(entry: {
  seq: number;
  at: string;
  actor: string;
  data: unknown;
}): HandoffEntry | null {
  const d = entry.data as Partial<HandoffAuditData> | null;
  if (!d || !isHandoffStatus(d.status)) return null;
  return {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    status: d.status,
    from: isHandoffStatus(d.from) ? d.from : null,
    note: typeof d.note === 'string' ? d.note : null,
    outboxKey: typeof d.outboxKey === 'string' ? d.outboxKey : null,
  };
}

export async function handoffHistory(
  deps: RecordHandoffDeps,
  orgId: string,
  leaseId: string,
): Promise<HandoffEntry[]> {
  if (!(await deps.handoffs.leaseExists(orgId, leaseId)))
    throw new AppError('not_found', `no lease has id \`${leaseId}\``);
  return deps.handoffs.history(orgId, leaseId);
}

export async function recordHandoff(
  deps: RecordHandoffDeps,
  orgId: string,
  input: { leaseId: string; status: string; note?: string; actor: string },
): Promise<HandoffResult> {
  if (!isHandoffStatus(input.status))
    throw new InputError([
      { path: 'status', message: `must be one of ${HANDOFF_STATUSES.join(', ')}` },
    ]);
  const note = input.note?.trim() ? input.note.trim() : null;
  if (note !== null && note.length > MAX_NOTE)
    throw new InputError([{ path: 'note', message: `at most ${MAX_NOTE} characters` }]);
  const history = await handoffHistory(deps, orgId, input.leaseId);
  const current = history.at(-1)?.status ?? null;
  const at = new Date(deps.clock.now()).toISOString();
  if (current === input.status)
    return { leaseId: input.leaseId, from: current, status: current, changed: false, at, history };
  const allowed = NEXT[current ?? 'none'];
  if (!allowed.includes(input.status))
    throw new AppError(
      'conflict',
      current === null
        ? `lease ${input.leaseId} has no hand-off yet; record \`sent\` (or \`prepared\`) first`
        : `the hand-off of lease ${input.leaseId} is ${current}; it can become ${allowed.join(' or ')}`,
    );
  const data: HandoffAuditData = { status: input.status, from: current, note };
  await deps.handoffs.append(orgId, {
    at,
    actor: input.actor,
    type: HANDOFF_AUDIT_TYPE,
    subject: `lease:${input.leaseId}`,
    data,
  });
  return {
    leaseId: input.leaseId,
    from: current,
    status: input.status,
    changed: true,
    at,
    history: await deps.handoffs.history(orgId, input.leaseId),
  };
}

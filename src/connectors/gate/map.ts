/**
 * Gate mapping (pure): an `access` item's gate target → lockout or restore, the unit it is
 * for, the lockout body, the contract's error body and its callbacks.
 */
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { ProviderError } from '../outcomes.js';

export const GATE_TARGET = 'gate';

export type GateChange = 'deny' | 'restore';

const targetsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];

export function gateChangeOf(
  item: OutboxItem,
): { ok: true; change: GateChange } | { ok: false; code: string; reason: string } {
  const deny = targetsOf(item.payload.deny).includes(GATE_TARGET);
  const restore = targetsOf(item.payload.restore).includes(GATE_TARGET);
  if (deny && restore)
    return {
      ok: false,
      code: 'contradictory_access',
      reason: 'the item both denies and restores gate access',
    };
  if (!deny && !restore)
    return {
      ok: false,
      code: 'no_gate_target',
      reason: 'the access item names no `gate` target',
    };
  return { ok: true, change: deny ? 'deny' : 'restore' };
}

/**
 * The unit the item is about. The planner does not put it in the payload and the connector
 * context cannot look it up yet, so it is read from `payload.unit` when present.
 */
export function unitOfPayload(item: OutboxItem): string | undefined {
  const unit = item.payload.unit;
  return typeof unit === 'string' && unit.trim() !== '' ? unit.trim() : undefined;
}

export interface LockoutBody {
  leaseId: string;
  /** The outbox key: the receiver can tie the lockout to Arrears' record. */
  reference: string;
  reason: 'delinquency';
}

export function lockoutBodyOf(item: OutboxItem): LockoutBody {
  return { leaseId: item.leaseId, reference: item.key, reason: 'delinquency' };
}

/** `{error: {code, message, field?}}` → code and message. */
export function gateErrorOf(json: unknown): ProviderError | undefined {
  const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!e || typeof e.code !== 'string') return undefined;
  return { code: e.code, message: typeof e.message === 'string' ? e.message : e.code };
}

/** The id of the lockout in an answer (`id` of a lockout, `lockoutId` of a restore). */
export function lockoutIdOf(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const b = json as { id?: unknown; lockoutId?: unknown };
  if (typeof b.id === 'string' && b.id !== '') return b.id;
  if (typeof b.lockoutId === 'string' && b.lockoutId !== '') return b.lockoutId;
  return undefined;
}

export const GATE_EVENT_TYPES = [
  'access.granted',
  'access.denied',
  'lockout.applied',
  'lockout.removed',
] as const;
export type GateEventType = (typeof GATE_EVENT_TYPES)[number];

export interface GateEvent {
  id: string | null;
  type: GateEventType;
  unit: string;
  occurredAt: string | null;
  credential: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** A callback body, or null when it is not one of the contract's events. */
export function gateEventOf(body: unknown): GateEvent | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const type = str(b.type);
  const unit = str(b.unit);
  if (type === null || unit === null || !(GATE_EVENT_TYPES as readonly string[]).includes(type))
    return null;
  return {
    id: str(b.id),
    type: type as GateEventType,
    unit,
    occurredAt: str(b.occurredAt),
    credential: str(b.credential),
  };
}

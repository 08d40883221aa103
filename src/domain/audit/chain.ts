/**
 * The hash-chained audit log of SPEC 7, one chain per organisation.
 *
 *   dataHash = sha256(canonical JSON of data)
 *   hash     = sha256(prevHash + canonical JSON of {seq, at, actor, type, subject, dataHash, prevHash})
 *
 * The first entry has seq 1 and prevHash = 64 zeros. Hashes are lowercase hex. Because
 * `hash` covers `dataHash` but not `data`, the data of an entry can be replaced by a
 * tombstone (lawful erasure) and the chain still verifies; any other change to `data`
 * no longer matches `dataHash` and breaks the chain at that entry.
 *
 * Pure: the time, the actor and the data are arguments.
 */
import { hash } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json.js';

export const GENESIS_HASH = '0'.repeat(64);

/** What a caller records; `data` must be canonical-JSON-able (see canonical-json.ts). */
export interface AuditInput {
  /** ISO-8601 UTC instant ending in Z. */
  at: string;
  /** Who: `user:<id>`, `system:scan`, `provider:twilio` … */
  actor: string;
  /** What happened: `action.planned`, `outbox.approved`, `hold.placed` … */
  type: string;
  /** What it is about: `lease:L1`, `tenant:T1`, `outbox:<key>` … (erasure goes by subject) */
  subject: string;
  data: unknown;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  type: string;
  subject: string;
  data: JsonValue;
  dataHash: string;
  prevHash: string;
  hash: string;
}

/** Every field the entry hash covers: all but `hash` and `data`. */
export type ChainFields = Omit<AuditEntry, 'hash' | 'data'>;

/** The last link of a chain: enough to append the next entry. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export interface TombstoneInfo {
  at: string;
  by: string;
  reason: string;
}
export interface TombstoneData {
  $tombstone: TombstoneInfo;
}

export type BreakReason =
  | 'missing_entries'
  | 'seq_out_of_order'
  | 'prev_hash_mismatch'
  | 'hash_mismatch'
  | 'data_hash_mismatch'
  | 'head_mismatch';

export interface ChainBreak {
  ok: false;
  /** The first broken seq. */
  seq: number;
  reason: BreakReason;
  message: string;
  /** Entries verified intact before the break. */
  verified: number;
}
export type VerifyResult = { ok: true; count: number; head: ChainHead | undefined } | ChainBreak;

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$/;

export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

export function dataHash(data: unknown): string {
  return sha256Hex(canonicalJson(data));
}

export function entryHash(prevHash: string, fields: ChainFields): string {
  const { seq, at, actor, type, subject, dataHash: dh, prevHash: ph } = fields;
  // Canonical JSON of the fields, written directly (entries are hashed by the hundred
  // thousand in a large scan): keys in code-unit order, strings and an integer `seq`,
  // which JSON.stringify writes as canonical JSON does; anything else takes the checked way.
  const text =
    typeof seq === 'number' &&
    Number.isSafeInteger(seq) &&
    [at, actor, type, subject, dh, ph].every((v) => typeof v === 'string')
      ? JSON.stringify({ actor, at, dataHash: dh, prevHash: ph, seq, subject, type })
      : canonicalJson({ seq, at, actor, type, subject, dataHash: dh, prevHash: ph });
  return sha256Hex(prevHash + text);
}

/** The entry that follows `prev` (or starts the chain). Throws on malformed input (a bug). */
export function nextEntry(prev: ChainHead | undefined, input: AuditInput): AuditEntry {
  return nextEntryWithText(prev, input).entry;
}

/**
 * `nextEntry`, and the canonical JSON of its data (what the store writes): the data is
 * made canonical once for the hash, the entry and the row.
 */
export function nextEntryWithText(
  prev: ChainHead | undefined,
  input: AuditInput,
): { entry: AuditEntry; dataText: string } {
  const { fields, hash, dataText } = nextLink(prev, input);
  // What is hashed is what is stored: the data as its canonical JSON parses back.
  return { entry: { ...fields, data: JSON.parse(dataText) as JsonValue, hash }, dataText };
}

/**
 * The entry that follows `prev` as a store writes it: the fields its hash covers, the hash
 * and the canonical JSON of its data (not parsed back: a writer of many entries that
 * returns none needs only the text).
 */
export function nextLink(
  prev: ChainHead | undefined,
  input: AuditInput,
): { fields: ChainFields; hash: string; dataText: string } {
  if (!INSTANT_RE.test(input.at))
    throw new Error(`audit entry: at must be an ISO-8601 UTC instant ending in Z, got ${input.at}`);
  for (const field of ['actor', 'type', 'subject'] as const)
    if (typeof input[field] !== 'string' || input[field] === '')
      throw new Error(`audit entry: ${field} must be a non-empty string`);
  const dataText = canonicalJson(input.data);
  const fields: ChainFields = {
    seq: prev ? prev.seq + 1 : 1,
    at: input.at,
    actor: input.actor,
    type: input.type,
    subject: input.subject,
    dataHash: sha256Hex(dataText),
    prevHash: prev ? prev.hash : GENESIS_HASH,
  };
  return { fields, hash: entryHash(fields.prevHash, fields), dataText };
}

export function isTombstone(data: unknown): data is TombstoneData {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const keys = Object.keys(data);
  if (keys.length !== 1 || keys[0] !== '$tombstone') return false;
  const t = (data as { $tombstone: unknown }).$tombstone;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return false;
  const info = t as Record<string, unknown>;
  return (
    Object.keys(info).length === 3 &&
    typeof info.at === 'string' &&
    typeof info.by === 'string' &&
    typeof info.reason === 'string'
  );
}

/**
 * The entry with its data erased: `data` becomes `{"$tombstone": {at, by, reason}}`, every
 * chain field (dataHash included) stays, so the chain still verifies.
 */
export function tombstone(entry: AuditEntry, info: TombstoneInfo): AuditEntry {
  return { ...entry, data: { $tombstone: { at: info.at, by: info.by, reason: info.reason } } };
}

/**
 * Verifies a chain one entry at a time, so a long chain can be streamed from storage.
 * `add` returns the first break (and keeps returning it); `finish` compares the last entry
 * with the head recorded elsewhere, which catches entries cut off the end.
 */
export class ChainVerifier {
  private prev: ChainHead | undefined;
  private count = 0;
  private broken: ChainBreak | undefined;

  /**
   * `storedData`: the data exactly as stored (canonical JSON text). When given, its bytes
   * are hashed, so any stored byte that changed is caught, even one that parses the same.
   */
  add(entry: AuditEntry, storedData?: string): ChainBreak | undefined {
    if (this.broken) return this.broken;
    const problem = checkLink(this.prev, entry, storedData);
    if (problem) {
      this.broken = { ok: false, ...problem, verified: this.count };
      return this.broken;
    }
    this.prev = { seq: entry.seq, hash: entry.hash };
    this.count++;
    return undefined;
  }

  /** Records a break found by the caller (e.g. data that is not JSON at all). */
  fail(seq: number, reason: BreakReason, message: string): ChainBreak {
    this.broken ??= { ok: false, seq, reason, message, verified: this.count };
    return this.broken;
  }

  /** The next seq expected. */
  get nextSeq(): number {
    return (this.prev?.seq ?? 0) + 1;
  }

  finish(expectedHead?: ChainHead): VerifyResult {
    if (this.broken) return this.broken;
    if (expectedHead) {
      const last = this.prev ?? { seq: 0, hash: GENESIS_HASH };
      if (last.seq < expectedHead.seq)
        return this.fail(
          last.seq + 1,
          'missing_entries',
          `entries ${last.seq + 1}–${expectedHead.seq} are missing: the chain head says ${expectedHead.seq} entries`,
        );
      if (last.seq > expectedHead.seq)
        return this.fail(
          expectedHead.seq + 1,
          'head_mismatch',
          `entry ${expectedHead.seq + 1} is past the chain head (${expectedHead.seq}) recorded for the organisation`,
        );
      if (last.hash !== expectedHead.hash)
        return this.fail(
          last.seq,
          'head_mismatch',
          `the hash of entry ${last.seq} differs from the chain head recorded for the organisation`,
        );
    }
    return { ok: true, count: this.count, head: this.prev };
  }
}

/** Verifies entries in seq order, starting at seq 1. */
export function verifyChain(entries: Iterable<AuditEntry>, expectedHead?: ChainHead): VerifyResult {
  const verifier = new ChainVerifier();
  for (const entry of entries) if (verifier.add(entry)) break;
  return verifier.finish(expectedHead);
}

function checkLink(
  prev: ChainHead | undefined,
  entry: AuditEntry,
  storedData: string | undefined,
): Pick<ChainBreak, 'seq' | 'reason' | 'message'> | undefined {
  const expectedSeq = (prev?.seq ?? 0) + 1;
  if (entry.seq !== expectedSeq) {
    return entry.seq > expectedSeq
      ? {
          seq: expectedSeq,
          reason: 'missing_entries',
          message: `entry ${expectedSeq} is missing: the chain jumps from ${expectedSeq - 1} to ${entry.seq}`,
        }
      : {
          seq: entry.seq,
          reason: 'seq_out_of_order',
          message: `entry ${entry.seq} appears where ${expectedSeq} was expected`,
        };
  }
  if (entry.prevHash !== (prev?.hash ?? GENESIS_HASH))
    return {
      seq: entry.seq,
      reason: 'prev_hash_mismatch',
      message: `prevHash of entry ${entry.seq} is not the hash of entry ${entry.seq - 1}`,
    };
  if (entryHash(entry.prevHash, entry) !== entry.hash)
    return {
      seq: entry.seq,
      reason: 'hash_mismatch',
      message: `hash of entry ${entry.seq} does not match its fields`,
    };
  if (!isTombstone(entry.data)) {
    let actual: string;
    try {
      actual = storedData !== undefined ? sha256Hex(storedData) : dataHash(entry.data);
    } catch {
      actual = '';
    }
    if (actual !== entry.dataHash)
      return {
        seq: entry.seq,
        reason: 'data_hash_mismatch',
        message: `data of entry ${entry.seq} does not match its dataHash`,
      };
  }
  return undefined;
}

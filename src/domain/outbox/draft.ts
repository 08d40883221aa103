/**
 * Draft content and its edits (SPEC R13: "Staff may edit a draft: the edit is a new version,
 * audited with its diff, and the edited content is what is sent").
 *
 * The full diff (before and after values) is stored with the version; the audit entry gets
 * a summary in which every string is replaced by its sha256 and length, so a message body
 * never enters the audit log while the log still proves exactly what changed.
 */
import { sha256Hex } from '../audit/chain.js';
import { canonicalJson, toJsonValue, type JsonValue } from '../audit/canonical-json.js';

export type JsonObject = { [key: string]: JsonValue };

/** Content fields the engine owns: an edit may not change them. */
export const PROTECTED_CONTENT_KEYS = ['pastDueCents'] as const;

/** Keys that look like credentials: refused in outbox payloads (secrets never enter one). */
const SECRET_KEY =
  /(secret|password|passwd|api[-_]?key|access[-_]?token|auth[-_]?token|authorization|credential)/i;

export interface ContentChange {
  /** JSON path, `$.body`, `$.to[0]`. */
  path: string;
  /** Absent when the value was added. */
  before?: JsonValue;
  /** Absent when the value was removed. */
  after?: JsonValue;
}

/** Throws naming the path when `value` is not JSON, or holds a key that looks like a secret. */
export function assertPayload(value: unknown, where = '$'): JsonObject {
  const json = toJsonValue(value);
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new TypeError(`${where}: an outbox payload must be a JSON object`);
  const walk = (v: JsonValue, path: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (SECRET_KEY.test(k))
          throw new TypeError(
            `${path}.${k}: looks like a credential; secrets never enter an outbox payload (connectors read them from settings)`,
          );
        walk(x, `${path}.${k}`);
      }
  };
  walk(json, where);
  return json;
}

/**
 * New content: `changes` merged into `content` (a key set to null removes it). Protected keys
 * may not be changed.
 */
export function applyEdit(content: JsonObject, changes: JsonObject): JsonObject {
  for (const key of PROTECTED_CONTENT_KEYS)
    if (key in changes)
      throw new TypeError(`$.${key} is recorded by the engine and cannot be edited`);
  const next: JsonObject = { ...content };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return assertPayload(next);
}

/** Every leaf that differs between two JSON values, in path order. */
export function diffContent(before: JsonValue, after: JsonValue, path = '$'): ContentChange[] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  const isObj = (v: JsonValue): v is JsonObject =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const p = `${path}.${k}`;
      if (!(k in before)) return [{ path: p, after: after[k]! }];
      if (!(k in after)) return [{ path: p, before: before[k]! }];
      return diffContent(before[k]!, after[k]!, p);
    });
  }
  return [{ path, before, after }];
}

/** The diff as the audit log records it: strings (bodies, addresses) by hash and length. */
export function auditDiff(changes: readonly ContentChange[]): JsonValue[] {
  const redact = (v: JsonValue): JsonValue => {
    if (typeof v === 'string') return { sha256: sha256Hex(v), length: v.length };
    if (Array.isArray(v)) return v.map(redact);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
    return v;
  };
  return changes.map((c) => {
    const out: JsonObject = { path: c.path };
    if (c.before !== undefined) out.before = redact(c.before);
    if (c.after !== undefined) out.after = redact(c.after);
    return out;
  });
}

/** sha256 of the canonical JSON of a content: what the audit log says was approved / sent. */
export function contentHash(content: JsonValue): string {
  return sha256Hex(canonicalJson(content));
}

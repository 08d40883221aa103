/**
 * Canonical JSON: the one byte representation of a value that audit hashes are computed
 * over. Object keys are sorted by UTF-16 code unit (as `Array.prototype.sort` does), there
 * is no whitespace, strings and numbers are written as `JSON.stringify` writes them. For the
 * values accepted here this is RFC 8785 (JCS).
 *
 * Anything JSON cannot represent faithfully is rejected rather than silently changed:
 * `undefined` (also as an object property or array element), NaN and ±Infinity, bigint,
 * functions, symbols, class instances (Date, Map, Buffer … — write an ISO string instead)
 * and cycles.
 */

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class CanonicalJsonError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'CanonicalJsonError';
  }
}

export function canonicalJson(value: unknown): string {
  // Audit entries are written by the hundred thousand in a large scan: first a copy with
  // keys in sorted order for the native JSON.stringify; only when the value holds anything
  // that copy cannot stand for, the walk with paths (which also names the problem).
  const sorted = sortedCopy(value, 0);
  return sorted === INVALID ? write(value, '$', new Set()) : JSON.stringify(sorted);
}

const INVALID = Symbol('invalid');
/** Nesting beyond which the copy gives up (a cycle, or data no audit entry has). */
const MAX_FAST_DEPTH = 64;
/** Keys an object lists first in numeric order whatever their insertion order (and
 * `__proto__`, which an assignment would not create as a key). */
const INDEX_LIKE = /^(0|[1-9]\d*)$/;

/**
 * `value` with every object's keys inserted in sorted order, so that JSON.stringify writes
 * canonical JSON; INVALID for anything `write` would reject or JSON.stringify would write
 * differently (an index-like key).
 */
function sortedCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : INVALID;
    case 'object': {
      if (value === null) return null;
      if (depth > MAX_FAST_DEPTH) return INVALID;
      // A value that is canonical as it is (keys in order, every part canonical) is not
      // copied: most audit data is written with its keys in order.
      if (Array.isArray(value)) {
        let out: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const v = sortedCopy(value[i], depth + 1);
          if (v === INVALID) return INVALID;
          if (out === undefined && v !== value[i]) out = value.slice(0, i);
          if (out !== undefined) out[i] = v;
        }
        return out ?? value;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return INVALID;
      const record = value as Record<string, unknown>;
      const own = Object.keys(record);
      let inOrder = true;
      for (let i = 1; i < own.length && inOrder; i++) inOrder = own[i - 1]! < own[i]!;
      const keys = inOrder ? own : own.sort();
      let out: Record<string, unknown> | undefined = inOrder ? undefined : {};
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        if (INDEX_LIKE.test(k) || k === '__proto__') return INVALID;
        const v = sortedCopy(record[k], depth + 1);
        if (v === INVALID) return INVALID;
        if (out === undefined && v !== record[k]) {
          out = {};
          for (let j = 0; j < i; j++) out[keys[j]!] = record[keys[j]!];
        }
        if (out !== undefined) out[k] = v;
      }
      return out ?? value;
    }
    default:
      return INVALID;
  }
}

/** The value as canonical JSON parses back: what is hashed is what is stored. */
export function toJsonValue(value: unknown): JsonValue {
  return JSON.parse(canonicalJson(value)) as JsonValue;
}

function write(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new CanonicalJsonError(path, `${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'undefined':
      throw new CanonicalJsonError(path, 'undefined is not JSON; omit the key or use null');
    case 'object': {
      if (value === null) return 'null';
      if (seen.has(value)) throw new CanonicalJsonError(path, 'cyclic structure');
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        const parts: string[] = [];
        for (let i = 0; i < value.length; i++) parts.push(write(value[i], `${path}[${i}]`, seen));
        out = `[${parts.join(',')}]`;
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null)
          throw new CanonicalJsonError(
            path,
            `${(value as object).constructor?.name ?? 'object'} is not a plain object; convert it first (an ISO string for a date)`,
          );
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record).sort();
        out = `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k], `${path}.${k}`, seen)}`).join(',')}}`;
      }
      seen.delete(value);
      return out;
    }
    default:
      throw new CanonicalJsonError(path, `a ${typeof value} is not JSON`);
  }
}

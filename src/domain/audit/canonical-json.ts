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
  return write(value, '$', new Set());
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

/**
 * A lease's ledger as one text: the form a scan reads it in from the database and hands to
 * its evaluator thread. Entries are separated by RS (U+001E); each one is either
 *
 * - packed, for a plain charge, payment, credit or write-off: US (U+001F), then its id, date,
 *   type, amountCents, category and dueDate, each after a US (an absent field is empty); or
 * - its stored JSON object (it starts with `{`): an entry with a memo, a `reverses` or an
 *   `appliesTo`, or an id with either separator in it.
 *
 * The database packs what it can (storage/repos/portfolio-repo.ts, `packedLedgerEntry`), by the
 * same rule as `packLedgerEntry` below.
 *
 * Why not JSON throughout: JSON.parse makes every short string it reads, such as an entry id
 * like `L12345-C3`, a unique entry of the JavaScript engine's string table, allocated in its
 * old generation. Over a full scan of a million leases that was most of what reading the
 * ledgers cost the evaluator thread (a sixth of its time, and much of its garbage
 * collection); the strings cut out of a packed entry are ordinary young ones, and a packed
 * entry is half the bytes to read, send and copy between threads.
 */
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import {
  CATEGORIES,
  LEDGER_TYPES,
  type Category,
  type LedgerEntry,
} from '../../domain/portfolio/schema.js';

export const LEDGER_ENTRY_SEPARATOR = '\u001e';
export const LEDGER_FIELD_SEPARATOR = '\u001f';

const FIELD = 0x1f;
/** The pieces of a packed entry split at its field separators (the first one is empty). */
const PACKED_PIECES = 7;

/** Whether the database packs `e` (the rule of its query, for tests and writers of texts). */
export function packs(e: LedgerEntry): boolean {
  return (
    e.memo === undefined &&
    e.reverses === undefined &&
    e.appliesTo === undefined &&
    !e.id.includes(LEDGER_ENTRY_SEPARATOR) &&
    !e.id.includes(LEDGER_FIELD_SEPARATOR)
  );
}

/** One entry as the database writes it into a ledger text (its JSON as stored: canonical). */
export function packLedgerEntry(e: LedgerEntry): string {
  if (!packs(e)) return canonicalJson(e);
  const f = LEDGER_FIELD_SEPARATOR;
  return `${f}${e.id}${f}${e.date}${f}${e.type}${f}${e.amountCents}${f}${e.category ?? ''}${f}${e.dueDate ?? ''}`;
}

/** A lease's entries as a ledger text (the database's form; for tests). */
export function packLedger(entries: readonly LedgerEntry[]): string {
  return entries.map(packLedgerEntry).join(LEDGER_ENTRY_SEPARATOR);
}

/**
 * The entries of lease `leaseId`'s ledger text, in the text's order; each as JSON.parse would
 * give its stored JSON (the same keys, in the same order).
 *
 * Read in place (no array of parts, none of fields): a full scan reads some seven million
 * entries, and cutting each into seven strings was most of what reading them cost. A type
 * or category is the schema's own string, and a date the one string kept for it (dates
 * repeat across every lease), so an entry allocates its id and itself.
 */
export function unpackLedger(text: string, leaseId: string): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (let start = 0; ;) {
    let end = text.indexOf(LEDGER_ENTRY_SEPARATOR, start);
    if (end === -1) end = text.length;
    entries.push(
      text.charCodeAt(start) === FIELD
        ? packedEntry(text, start, end, leaseId, entries.length + 1)
        : (JSON.parse(text.slice(start, end)) as LedgerEntry),
    );
    if (end === text.length) return entries;
    start = end + 1;
  }
}

/** The packed entry in `text` from its first field separator (`start`) to `end`. */
function packedEntry(
  text: string,
  start: number,
  end: number,
  leaseId: string,
  n: number,
): LedgerEntry {
  // Where each of the six fields ends (the next separator, or the entry's end).
  const s1 = fieldEnd(text, start + 1, end);
  const s2 = fieldEnd(text, s1 + 1, end);
  const s3 = fieldEnd(text, s2 + 1, end);
  const s4 = fieldEnd(text, s3 + 1, end);
  const s5 = fieldEnd(text, s4 + 1, end);
  const extra = s5 === end ? -1 : text.indexOf(LEDGER_FIELD_SEPARATOR, s5 + 1);
  if (s5 === end || (extra !== -1 && extra < end)) {
    const fields = text.slice(start, end).split(LEDGER_FIELD_SEPARATOR).length - 1;
    throw new Error(
      `lease ${leaseId}: ledger entry ${n} of the text read from the database has ${fields} fields, not ${PACKED_PIECES - 1}`,
    );
  }
  const id = text.slice(start + 1, s1);
  const date = dateAt(text, s1 + 1, s2);
  const type = knownAt(text, s2 + 1, s3, TYPES) as LedgerEntry['type'];
  const amountCents = amountAt(text, s3 + 1, s4);
  const category = knownAt(text, s4 + 1, s5, CATEGORY_NAMES) as Category | '';
  const dueDate = dateAt(text, s5 + 1, end);
  // One literal per shape, keys sorted as in the stored (canonical) JSON.
  return category === ''
    ? dueDate === ''
      ? { amountCents, date, id, leaseId, type }
      : { amountCents, date, dueDate, id, leaseId, type }
    : dueDate === ''
      ? { amountCents, category, date, id, leaseId, type }
      : { amountCents, category, date, dueDate, id, leaseId, type };
}

const TYPES: readonly string[] = LEDGER_TYPES;
const CATEGORY_NAMES: readonly string[] = CATEGORIES;

/** The end of the field that starts at `from`: its separator, or `end` (when `from` is past it). */
function fieldEnd(text: string, from: number, end: number): number {
  if (from >= end) return end;
  const at = text.indexOf(LEDGER_FIELD_SEPARATOR, from);
  return at === -1 || at > end ? end : at;
}

/** `text[from, to)`: one of `values` as that very string when it is one, else a copy. */
function knownAt(text: string, from: number, to: number, values: readonly string[]): string {
  const length = to - from;
  for (const v of values) if (v.length === length && text.startsWith(v, from)) return v;
  return text.slice(from, to);
}

/** Dates seen, by their digits as a number (YYYYMMDD): one string per date. */
const dates = new Map<number, string>();
const DATES_KEPT = 20_000;

/** `text[from, to)`, the date's kept string when it is `YYYY-MM-DD` (else a copy). */
function dateAt(text: string, from: number, to: number): string {
  if (to - from !== 10 || text.charCodeAt(from + 4) !== 0x2d || text.charCodeAt(from + 7) !== 0x2d)
    return text.slice(from, to);
  let key = 0;
  for (let i = from; i < to; i++) {
    if (i === from + 4 || i === from + 7) continue;
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return text.slice(from, to);
    key = key * 10 + d;
  }
  let date = dates.get(key);
  if (date === undefined) {
    if (dates.size >= DATES_KEPT) dates.clear();
    dates.set(key, (date = text.slice(from, to)));
  }
  return date;
}

/** `Number(text[from, to))`, without the copy for plain digits. */
function amountAt(text: string, from: number, to: number): number {
  if (to === from || to - from > 15) return Number(text.slice(from, to));
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return Number(text.slice(from, to));
    n = n * 10 + d;
  }
  return n;
}

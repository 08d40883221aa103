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
 * collection); strings cut out by `split` are ordinary young ones, and a packed entry is half
 * the bytes to read, send and copy between threads.
 */
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import type { Category, LedgerEntry } from '../../domain/portfolio/schema.js';

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
 */
export function unpackLedger(text: string, leaseId: string): LedgerEntry[] {
  const parts = text.split(LEDGER_ENTRY_SEPARATOR);
  const entries: LedgerEntry[] = new Array<LedgerEntry>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.charCodeAt(0) !== FIELD) {
      entries[i] = JSON.parse(part) as LedgerEntry;
      continue;
    }
    const f = part.split(LEDGER_FIELD_SEPARATOR);
    if (f.length !== PACKED_PIECES)
      throw new Error(
        `lease ${leaseId}: ledger entry ${i + 1} of the text read from the database has ${f.length - 1} fields, not ${PACKED_PIECES - 1}`,
      );
    const id = f[1]!;
    const date = f[2]!;
    const type = f[3] as LedgerEntry['type'];
    const amountCents = Number(f[4]);
    const category = f[5] as Category | '';
    const dueDate = f[6]!;
    // One literal per shape, keys sorted as in the stored (canonical) JSON.
    entries[i] =
      category === ''
        ? dueDate === ''
          ? { amountCents, date, id, leaseId, type }
          : { amountCents, date, dueDate, id, leaseId, type }
        : dueDate === ''
          ? { amountCents, category, date, id, leaseId, type }
          : { amountCents, category, date, dueDate, id, leaseId, type };
  }
  return entries;
}

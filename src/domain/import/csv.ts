/**
 * CSV import (SPEC 3.2): a vendor delinquency / aged-receivables export, or a generic
 * transaction sheet, → a portfolio fragment (properties created from defaults, tenants,
 * leases, ledger), with row/column-level errors. Pure: the caller reads the file, passes the
 * as-of date and the ids of the properties it already knows, and writes nothing unless
 * `issues` is empty.
 *
 * Everything vendor-specific lives in `presets.ts` as data; this file only reads it.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { addDays, isLocalDate, type LocalDate } from '../dates.js';
import { type InputIssue, MAX_REPORTED_ISSUES } from '../errors.js';
import { AGING_BUCKETS, type AgingBucket } from '../ledger/aging.js';
import { formatCents } from '../money.js';
import {
  type LedgerEntry,
  type Portfolio,
  type PropertyKind,
  portfolio as portfolioSchema,
  property as propertySchema,
  tenant as tenantSchema,
} from '../portfolio/schema.js';
import { NUL_MESSAGE, suggest, zodIssuesToInputIssues } from '../validation.js';
import {
  BUCKET_AGE_DAYS,
  BUCKET_FIELDS,
  CATEGORY_NAMES,
  type DateFormat,
  IMPORT_FIELDS,
  type IdRecipe,
  type ImportField,
  type ImportLevel,
  LANGUAGES,
  type MoneyFormat,
  NAME_FIELDS,
  normalizeHeader,
  type Preset,
  type PresetName,
  PRESETS,
  slug,
  TRANSACTION_TYPES,
} from './presets.js';

// ---------------------------------------------------------------------------------------
// Public shapes

/** What `--property-defaults timezone=…,jurisdiction=…,kind=…` supplies for new properties. */
export interface PropertyDefaults {
  timezone: string;
  jurisdiction: string;
  kind: PropertyKind;
  ownerId?: string;
  runAt?: string;
}

export interface ImportOptions {
  /** The file name, used in every message. */
  file: string;
  preset: PresetName;
  /** The export date: aging buckets are dated relative to it. */
  asOf: LocalDate;
  /** When given, properties not in `knownPropertyIds` are created with these settings. */
  propertyDefaults?: PropertyDefaults;
  /** Ids of the properties already in the portfolio. */
  knownPropertyIds: ReadonlySet<string>;
  /** Keep the valid rows and return the invalid ones in `rejects` instead of failing. */
  skipInvalid: boolean;
  /** ISO 4217 code of the portfolio (default USD). */
  currency?: string;
}

/** A row that was not imported, with its original cells and what is wrong with it. */
export interface RejectedRow {
  /** 1-based line number in the file (the header is row 1 unless title lines precede it). */
  row: number;
  raw: Record<string, string>;
  errors: string[];
}

/** An aging row's own total, kept so a later import (or a human) can reconcile. */
export interface ReportedTotal {
  row: number;
  leaseId: string;
  /** The total column as exported (negative = the tenant is in credit). */
  totalCents: number;
  /** What the imported ledger entries of the row add up to (charges − credits). */
  importedCents: number;
  lastPaymentDate?: LocalDate;
  lastPaymentCents?: number;
}

export interface ImportCounts {
  /** Data rows read (blank lines, title lines and total rows not included). */
  rows: number;
  imported: number;
  rejected: number;
  /** Subtotal, grand-total and group-heading rows, left out on purpose. */
  skipped: number;
  properties: number;
  tenants: number;
  leases: number;
  ledger: number;
}

export type ImportedPortfolio = Pick<
  Portfolio,
  'currency' | 'properties' | 'tenants' | 'leases' | 'ledger' | 'sources'
>;

export interface ImportResult {
  preset: PresetName;
  asOf: LocalDate;
  /** Transactions or aging buckets; null when the header could not be read. */
  level: ImportLevel | null;
  /** Empty unless `issues` is empty. */
  portfolio: ImportedPortfolio;
  /** Rows left out under `skipInvalid` (empty otherwise: their errors are in `issues`). */
  rejects: RejectedRow[];
  /** Anything here means nothing may be written (at most 50). */
  issues: InputIssue[];
  /** Worth telling the user; nothing blocked. */
  warnings: InputIssue[];
  reported: ReportedTotal[];
  /** Header names as found (made unique), in file order: the keys of `rejects[].raw`. */
  headers: string[];
  columns: { mapped: Partial<Record<ImportField, string>>; ignored: string[] };
  counts: ImportCounts;
}

// ---------------------------------------------------------------------------------------
// Reading the CSV text

interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  cells: string[];
}

type Read = { ok: true; records: CsvRecord[] } | { ok: false; issue: InputIssue };

function csvErrorMessage(e: CsvError): string {
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted value is never closed: add the closing quote (") or remove the opening one';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote inside a quoted value must be doubled (""): fix the quotes on this row';
    default:
      return `the file is not valid CSV (${e.message}); re-export it as CSV`;
  }
}

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const QUOTE = 0x22;

/** Thrown by `fastRecords` when the text is not plain RFC 4180; csv-parse reads it instead. */
class IrregularCsv extends Error {}

/** The text csv-parse and `fastRecords` read: without a BOM, every line break a `\n`. */
function csvBody(text: string): string {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
}

/**
 * The records of well-formed CSV (RFC 4180: `,` between fields, `"` around a field that holds
 * one, `""` for a quote inside it), one at a time, read with `indexOf` and `split` at memory
 * speed. Throws IrregularCsv at the first irregularity (a quote inside an unquoted field, text
 * after a closing quote, a quote never closed): csv-parse then reads the whole file and
 * explains the problem, so both readers agree on every file this one accepts (a property
 * test checks it). Empty lines are skipped, as csv-parse's `skip_empty_lines` does.
 */
function* fastRecords(body: string): Generator<CsvRecord> {
  const n = body.length;
  // csv-parse's `bom` drops a second byte order mark too.
  let pos = body.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  // The next quote in the text (-1: none left), looked up again only once passed.
  let q = body.indexOf('"');
  while (pos < n) {
    let end = body.indexOf('\n', pos);
    if (end === -1) end = n;
    if (end === pos) {
      pos++;
      line++;
      continue;
    }
    if (q !== -1 && q < pos) q = body.indexOf('"', pos);
    if (q === -1 || q > end) {
      yield { line, cells: body.slice(pos, end).split(',') };
      pos = end + 1;
      line++;
      continue;
    }
    // A line with quotes: field by field (a quoted field may run over several lines).
    const start = line;
    const cells: string[] = [];
    let p = pos;
    for (;;) {
      if (body.charCodeAt(p) === QUOTE) {
        let value = '';
        let from = p + 1;
        for (;;) {
          const close = body.indexOf('"', from);
          if (close === -1) throw new IrregularCsv();
          value += body.slice(from, close);
          if (body.charCodeAt(close + 1) !== QUOTE) {
            p = close + 1;
            break;
          }
          value += '"';
          from = close + 2;
        }
        for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) line++;
        cells.push(value);
        const c = body.charCodeAt(p);
        if (p >= n || c === NEWLINE) {
          p++;
          break;
        }
        if (c !== COMMA) throw new IrregularCsv();
        p++;
      } else {
        let e = p;
        for (; e < n; e++) {
          const c = body.charCodeAt(e);
          if (c === COMMA || c === NEWLINE) break;
          if (c === QUOTE) throw new IrregularCsv();
        }
        cells.push(body.slice(p, e));
        p = e + 1;
        if (e >= n || body.charCodeAt(e) === NEWLINE) break;
      }
    }
    yield { line: start, cells };
    line++;
    pos = p;
  }
}

/** The records of the file, each with the line it starts on (parseCsvImport streams them). */
export function readCsv(text: string, file: string): Read {
  const body = csvBody(text);
  try {
    return { ok: true, records: [...fastRecords(body)] };
  } catch (e) {
    if (!(e instanceof IrregularCsv)) throw e;
  }
  return readCsvSlow(body, file);
}

/** csv-parse, for files `fastRecords` does not accept: its error names what is wrong. */
function readCsvSlow(body: string, file: string): Read {
  let parsed: { info: { lines: number }; record: string[] }[];
  try {
    parsed = parse(body, {
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      record_delimiter: '\n',
    }) as unknown as { info: { lines: number }; record: string[] }[];
  } catch (e) {
    if (e instanceof CsvError) {
      const line = typeof e.lines === 'number' ? e.lines : 1;
      return { ok: false, issue: { file, path: `row ${line}`, message: csvErrorMessage(e) } };
    }
    throw e;
  }
  const records = parsed.map(({ info, record }) => {
    let inner = 0;
    for (const cell of record) for (const ch of cell) if (ch === '\n') inner++;
    return { line: info.lines - inner, cells: record };
  });
  return { ok: true, records };
}

// ---------------------------------------------------------------------------------------
// The header row

interface ColumnMap {
  index: Map<ImportField, number>;
  duplicates: { field: ImportField; header: string; at: number[] }[];
}

function mapColumns(preset: Preset, headers: readonly string[]): ColumnMap {
  const norm = headers.map(normalizeHeader);
  const taken = new Set<number>();
  const index = new Map<ImportField, number>();
  const duplicates: ColumnMap['duplicates'] = [];
  for (const field of IMPORT_FIELDS) {
    for (const alias of preset.columns[field] ?? []) {
      const wanted = normalizeHeader(alias);
      const at: number[] = [];
      norm.forEach((h, i) => {
        if (h === wanted && !taken.has(i)) at.push(i);
      });
      const first = at[0];
      if (first === undefined) continue;
      index.set(field, first);
      for (const i of at) taken.add(i);
      if (at.length > 1) duplicates.push({ field, header: headers[first] ?? alias, at });
      break;
    }
  }
  return { index, duplicates };
}

function levelOf(preset: Preset, map: ColumnMap): ImportLevel | null {
  if (preset.level !== 'auto') return preset.level;
  if (map.index.has('amount')) return 'transaction';
  if (BUCKET_FIELDS.some((f) => map.index.has(f))) return 'aging';
  return null;
}

function missingGroups(
  preset: Preset,
  map: ColumnMap,
  level: ImportLevel | null,
): (readonly ImportField[])[] {
  const groups = [...preset.required.all, ...(level ? preset.required[level] : [])];
  return groups.filter((g) => !g.some((f) => map.index.has(f)));
}

const quote = (s: string) => `"${s}"`;

function missingMessage(preset: Preset, group: readonly ImportField[], found: string[]): string {
  const has = found.length > 0 ? found.map(quote).join(', ') : '(nothing)';
  let what: string;
  if (group === BUCKET_FIELDS) {
    const names = BUCKET_FIELDS.flatMap((f) => preset.columns[f]?.slice(0, 1) ?? []);
    what = `at least one aging bucket column (${names.map(quote).join(', ')})`;
  } else if (group.length > 1) {
    what = `column ${group.map((f) => quote(preset.columns[f]?.[0] ?? f)).join(' or ')}`;
  } else {
    const [first, ...also] = preset.columns[group[0] ?? 'unit'] ?? [];
    what = `column ${quote(first ?? String(group[0]))}`;
    if (also.length > 0) what += ` (also accepted: ${also.map(quote).join(', ')})`;
  }
  return `missing required ${what}; the header row has ${has}. Rename the column or choose the right --preset`;
}

function levelMessage(preset: Preset, found: string[]): string {
  const buckets = BUCKET_FIELDS.flatMap((f) => preset.columns[f]?.slice(0, 1) ?? []);
  return `missing required column ${quote(preset.columns.amount?.[0] ?? 'amount')} (one transaction per row) or aging bucket columns (${buckets.map(quote).join(', ')}); the header row has ${found.map(quote).join(', ')}`;
}

/** Unique header names: an empty header becomes `(column N)`, a repeated one `Name (2)`. */
function uniqueHeaders(cells: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((c, i) => {
    const base = c.trim() === '' ? `(column ${i + 1})` : c.trim();
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

const HEADER_SEARCH_ROWS = 10;

// ---------------------------------------------------------------------------------------
// Cell values

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(message: string): Parsed<T> => ({ ok: false, message });

const code = (s: string) => `\`${s}\``;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const moneyPatterns = new WeakMap<MoneyFormat, RegExp>();

/** Digits with optional thousands groups and up to two decimals (sign and symbol removed). */
function moneyPattern(money: MoneyFormat): RegExp {
  let re = moneyPatterns.get(money);
  if (!re) {
    const t = escapeRegExp(money.thousands);
    const d = escapeRegExp(money.decimal);
    re = new RegExp(`^(?:\\d{1,3}(?:${t}\\d{3})+|\\d+)(?:${d}\\d{1,2})?$|^${d}\\d{1,2}$`);
    moneyPatterns.set(money, re);
  }
  return re;
}

/** Cents, null for an empty cell, undefined when the text is not an amount. */
function parseMoney(text: string, money: MoneyFormat): number | undefined | null {
  // The common case, plain digits with up to two decimals (`1234.56`), without the scans below.
  const plain = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text);
  if (plain) return Number(plain[1]) * 100 + Number((plain[2] ?? '').padEnd(2, '0'));
  let s = text.replace(/\s+/g, '');
  if (s === '') return null;
  const lead = money.symbols.find((sym) => s.startsWith(sym));
  const bare = lead === undefined ? s : s.slice(lead.length);
  if (/^[-\u2013\u2014]$/.test(bare)) return 0; // accounting format zero: "$ -"
  let negative = false;
  if (money.negatives.includes('parentheses') && s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1);
  }
  // A minus may come before or after the currency symbol: -$12.00 or $-12.00.
  const minusAllowed = money.negatives.includes('minus');
  for (let pass = 0; pass < 2; pass++) {
    if (minusAllowed && !negative && s.startsWith('-')) {
      negative = true;
      s = s.slice(1);
    }
    if (pass === 0) {
      const symbol = money.symbols.find((sym) => s.startsWith(sym));
      if (symbol !== undefined) s = s.slice(symbol.length);
    }
  }
  if (!moneyPattern(money).test(s)) return undefined;
  const [whole = '', frac = ''] = s.split(money.thousands).join('').split(money.decimal);
  const cents = Number(whole === '' ? '0' : whole) * 100 + Number(frac.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return undefined;
  return negative ? -cents : cents;
}

function amountError(text: string): string {
  return `${code(text)} is not an amount; write it like 1234.56 or $1,234.56`;
}

function formatDate(date: LocalDate, format: DateFormat): string {
  if (format === 'YYYY-MM-DD') return date;
  return `${date.slice(5, 7)}/${date.slice(8, 10)}/${date.slice(0, 4)}`;
}

function parseDate(text: string, formats: readonly DateFormat[]): LocalDate | undefined {
  const s = text.replace(/\s+\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp][Mm])?$/, '').trim();
  for (const format of formats) {
    const m =
      format === 'YYYY-MM-DD'
        ? /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s)
        : /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
    if (!m) continue;
    const [y, mo, d] = format === 'YYYY-MM-DD' ? [m[1], m[2], m[3]] : [m[3], m[1], m[2]];
    const date = `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    if (isLocalDate(date)) return date;
  }
  return undefined;
}

function dateError(text: string, formats: readonly DateFormat[], asOf: LocalDate): string {
  const [first, ...rest] = formats;
  const format = first ?? 'YYYY-MM-DD';
  const also = rest.length > 0 ? ` (or ${rest.join(' or ')})` : '';
  return `${code(text)} is not a date; write it as ${format}${also}, e.g. ${formatDate(asOf, format)}`;
}

/** `Mobile: (415) 555-0101, Home: (415) 555-0199` → the mobile number, else the first. */
function pickPhone(text: string): string {
  const entries = text
    .split(/[,;\n/]|\s{2,}/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^([A-Za-z][A-Za-z ]*):\s*(.*)$/.exec(s);
      return m ? { label: m[1] ?? '', number: m[2] ?? '' } : { label: '', number: s };
    });
  const mobile = entries.find((e) => /mobile|cell/i.test(e.label));
  return (mobile ?? entries[0])?.number ?? '';
}

function parsePhone(text: string, country: 'US'): Parsed<string> {
  const chosen = pickPhone(text);
  const phone = parsePhoneNumberFromString(chosen, country);
  if (phone && phone.isValid()) return ok(phone.number);
  return bad(
    `${code(chosen)} is not a phone number that can be dialled; write it with its area code, e.g. (415) 555-0101 or +14155550101, or leave the cell empty`,
  );
}

const emailShape = tenantSchema.shape.email;

function parseEmail(text: string): Parsed<string> {
  const first = text.split(/[,;\s]+/).find((s) => s !== '') ?? '';
  const email = first.toLowerCase();
  if (emailShape.safeParse(email).success) return ok(email);
  return bad(`${code(first)} is not an e-mail address; fix it or leave the cell empty`);
}

const lookupTables = new WeakMap<Readonly<Record<string, string>>, Map<string, string>>();

function lookup(table: Readonly<Record<string, string>>, text: string): string | undefined {
  let normalized = lookupTables.get(table);
  if (!normalized) {
    normalized = new Map();
    // The first key wins when two normalise alike, as a scan in key order would find it.
    for (const [key, value] of Object.entries(table)) {
      const k = normalizeHeader(key);
      if (!normalized.has(k)) normalized.set(k, value);
    }
    lookupTables.set(table, normalized);
  }
  return normalized.get(normalizeHeader(text));
}

/** `read`, remembering its answer per text. */
function memoize<T>(read: (text: string) => T): (text: string) => T {
  const seen = new Map<string, T>();
  return (text) => {
    let value = seen.get(text);
    if (value === undefined && !seen.has(text)) {
      value = read(text);
      seen.set(text, value);
    }
    return value as T;
  };
}

/**
 * Per-import readers of cells whose reading depends on the text alone (phones, e-mails,
 * dates, vocabulary lookups), each remembering its answers: an export repeats the same
 * tenant, date and type on many rows, and phone numbers in particular are costly to parse.
 */
function cellReaders(preset: Preset) {
  return {
    date: memoize((x) => parseDate(x, preset.dateFormats)),
    phone: memoize((x) => parsePhone(x, preset.defaultCountry)),
    email: memoize(parseEmail),
    language: memoize((x) => lookup(LANGUAGES, x)),
    status: memoize((x) => lookup(preset.statuses, x)),
    type: memoize((x) => lookup(TRANSACTION_TYPES, x) as LedgerEntry['type'] | undefined),
    category: memoize((x) => lookup(CATEGORY_NAMES, x) as TransactionData['category']),
  };
}

function parseYesNo(text: string): boolean | undefined {
  const s = text.trim().toLowerCase();
  if (['yes', 'y', 'true', '1', 'x'].includes(s)) return true;
  if (['no', 'n', 'false', '0'].includes(s)) return false;
  return undefined;
}

// ---------------------------------------------------------------------------------------
// One data row

interface RowError {
  field?: ImportField;
  message: string;
}

interface TenantAttrs {
  name: string;
  phone?: string;
  email?: string;
  language?: string;
}

interface LeaseAttrs {
  propertyId: string;
  unit: string;
  spaceType?: string;
  rentCents?: number;
  status?: string;
  startDate?: LocalDate;
  endDate?: LocalDate;
  inCollections?: boolean;
}

interface AgingData {
  /** Signed cents per bucket (a negative bucket is a credit). */
  buckets: Partial<Record<AgingBucket, number>>;
  prepaymentCents?: number;
  totalCents?: number;
  lastPaymentDate?: LocalDate;
  lastPaymentCents?: number;
}

interface TransactionData {
  id: string;
  explicitId: boolean;
  date: LocalDate;
  type: LedgerEntry['type'];
  category?: NonNullable<LedgerEntry['category']>;
  amountCents: number;
  dueDate?: LocalDate;
  reverses?: string;
  appliesTo?: string;
  memo?: string;
}

interface RowData {
  line: number;
  propertyId: string;
  propertyName?: string;
  leaseId: string;
  tenantId: string;
  tenant: TenantAttrs;
  lease: LeaseAttrs;
  aging?: AgingData;
  transaction?: TransactionData;
  /** A zero-amount transaction: read fine, imported as nothing. */
  zero?: boolean;
  /** A hash of the mapped cells, for spotting a repeated row (see `fingerprint`). */
  print: number;
}

/** What is kept of an admitted row until the portfolio is built: its ledger entry, if any. */
type AdmittedRow = Pick<RowData, 'line' | 'propertyId' | 'propertyName' | 'leaseId' | 'aging'> & {
  entry?: LedgerEntry;
};

/**
 * A 53-bit hash (cyrb53) of the row's mapped cells, trimmed, in field order: two rows with the
 * same print are the same row twice. A hash, not the text, so a million rows are not kept in
 * memory to compare with the next one; two different rows share one with odds of 2^-53, and
 * then only the wording of the error about them changes.
 */
function fingerprint(columns: readonly number[], cells: readonly string[]): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (const i of columns) {
    const cell = (cells[i] ?? '').trim();
    for (let k = 0; k < cell.length; k++) {
      const ch = cell.charCodeAt(k);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    // A separator no UTF-16 unit can equal: ("ab", "") and ("a", "b") differ.
    h1 = Math.imul(h1 ^ 0x10000, 2654435761);
    h2 = Math.imul(h2 ^ 0x10000, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const FIELD_LABEL: Partial<Record<ImportField, string>> = {
  propertyId: 'property',
  propertyName: 'property',
  leaseId: 'lease id',
  tenantId: 'tenant code',
  tenantName: 'tenant name',
  date: 'date',
  type: 'transaction type',
  amount: 'amount',
};

interface RowContext {
  preset: Preset;
  map: ColumnMap;
  level: ImportLevel;
  asOf: LocalDate;
  read: ReturnType<typeof cellReaders>;
  /** The mapped columns in field order (what `fingerprint` reads). */
  printColumns: readonly number[];
}

function readRow(ctx: RowContext, line: number, cells: readonly string[]): RowData | RowError[] {
  const { preset, map, level, asOf, read } = ctx;
  const errors: RowError[] = [];
  const text = (field: ImportField): string => {
    const i = map.index.get(field);
    return i === undefined ? '' : (cells[i] ?? '').trim();
  };
  const fail = (field: ImportField | undefined, message: string) =>
    errors.push(field === undefined ? { message } : { field, message });
  for (const [field, i] of map.index)
    if (cells[i]?.includes('\u0000'))
      fail(field, `the ${FIELD_LABEL[field] ?? 'cell'} ${NUL_MESSAGE}`);
  const empty = (field: ImportField) =>
    fail(field, `the ${FIELD_LABEL[field] ?? field} is empty; every row needs one`);

  const money = (field: ImportField): number | undefined => {
    const t = text(field);
    const cents = parseMoney(t, preset.money);
    if (cents === undefined) {
      fail(field, amountError(t));
      return undefined;
    }
    return cents === null ? undefined : cents;
  };
  const date = (field: ImportField): LocalDate | undefined => {
    const t = text(field);
    if (t === '') return undefined;
    const d = read.date(t);
    if (d === undefined) fail(field, dateError(t, preset.dateFormats, asOf));
    return d;
  };

  // Ids: the first recipe whose fields all have a value in this row.
  const idFrom = (recipes: readonly IdRecipe[], propertyId?: string): string | undefined => {
    for (const recipe of recipes) {
      const parts: string[] = [];
      let complete = true;
      for (const part of recipe) {
        const value = part === 'property' ? (propertyId ?? '') : text(part);
        const piece = NAME_FIELDS.has(part) ? slug(value) : value;
        if (piece === '') {
          if (part !== 'unit') complete = false;
          continue;
        }
        parts.push(piece);
      }
      if (complete && parts.length > 0) return parts.join(':');
    }
    return undefined;
  };
  const firstMapped = (recipes: readonly IdRecipe[]): ImportField | undefined => {
    for (const recipe of recipes)
      for (const part of recipe)
        if (part !== 'property' && part !== 'unit' && map.index.has(part) && text(part) === '')
          return part;
    return undefined;
  };

  const propertyId = idFrom(preset.ids.property);
  if (propertyId === undefined) empty(firstMapped(preset.ids.property) ?? 'propertyId');
  const tenantName = text('tenantName');
  if (tenantName === '') empty('tenantName');
  const leaseId = idFrom(preset.ids.lease, propertyId);
  const tenantId = idFrom(preset.ids.tenant, propertyId);
  if (propertyId !== undefined && tenantName !== '') {
    if (leaseId === undefined) empty(firstMapped(preset.ids.lease) ?? 'leaseId');
    else if (tenantId === undefined) empty(firstMapped(preset.ids.tenant) ?? 'tenantId');
  }

  const tenant: TenantAttrs = { name: tenantName };
  if (text('phone') !== '') {
    const p = read.phone(text('phone'));
    if (p.ok) tenant.phone = p.value;
    else fail('phone', p.message);
  }
  if (text('email') !== '') {
    const e = read.email(text('email'));
    if (e.ok) tenant.email = e.value;
    else fail('email', e.message);
  }
  if (text('language') !== '') {
    const l = read.language(text('language'));
    if (l !== undefined) tenant.language = l;
    else
      fail(
        'language',
        `${code(text('language'))} is not a language this import knows; write a code such as en or es (or English, Spanish)`,
      );
  }

  const lease: LeaseAttrs = { propertyId: propertyId ?? '', unit: text('unit') };
  if (text('spaceType') !== '') lease.spaceType = text('spaceType');
  if (text('status') !== '') {
    const s = read.status(text('status'));
    if (s !== undefined) lease.status = s;
    else
      fail(
        'status',
        `${code(text('status'))} is not a status the ${preset.name} preset knows; use one of ${Object.keys(preset.statuses).join(', ')} (or leave it empty)`,
      );
  }
  if (text('inCollections') !== '') {
    const yes = parseYesNo(text('inCollections'));
    if (yes === undefined) fail('inCollections', `${code(text('inCollections'))} is not yes or no`);
    else lease.inCollections = yes;
  }
  const rent = money('rent');
  if (rent !== undefined) {
    if (rent < 0) fail('rent', `${code(text('rent'))}: the rent cannot be negative`);
    else lease.rentCents = rent;
  }
  const start = date('startDate');
  if (start !== undefined) lease.startDate = start;
  const end = date('endDate');
  if (end !== undefined) lease.endDate = end;

  let aging: AgingData | undefined;
  let transaction: TransactionData | undefined;
  let zero = false;
  if (level === 'aging') {
    aging = { buckets: {} };
    for (const bucket of AGING_BUCKETS) {
      const cents = money(`bucket:${bucket}`);
      if (cents !== undefined && cents !== 0) aging.buckets[bucket] = cents;
    }
    const prepay = money('prepayment');
    if (prepay !== undefined) aging.prepaymentCents = Math.abs(prepay);
    const total = money('total');
    if (total !== undefined) aging.totalCents = total;
    const lastDate = date('lastPaymentDate');
    if (lastDate !== undefined) aging.lastPaymentDate = lastDate;
    const lastAmount = money('lastPaymentAmount');
    if (lastAmount !== undefined) aging.lastPaymentCents = Math.abs(lastAmount);
  } else {
    const when = date('date');
    if (text('date') === '') empty('date');
    let type: LedgerEntry['type'] | undefined;
    if (text('type') === '') empty('type');
    else {
      type = read.type(text('type'));
      if (type === undefined)
        fail(
          'type',
          `${code(text('type'))} is not a transaction type; use charge, payment, credit, reversal or writeoff`,
        );
    }
    let category: TransactionData['category'];
    if (text('category') !== '') {
      category = read.category(text('category'));
      if (category === undefined)
        fail(
          'category',
          `${code(text('category'))} is not a category; use rent, fee, utility, deposit or other (or leave it empty)`,
        );
    }
    let amount = money('amount');
    if (text('amount') === '') empty('amount');
    if (amount !== undefined && amount < 0) {
      if (type === 'charge')
        fail(
          'amount',
          `${code(text('amount'))}: a charge cannot be negative; record money owed back to the tenant as type credit`,
        );
      else amount = -amount;
    }
    if (amount === 0) zero = true;
    const due = date('dueDate');
    const reverses = text('reverses');
    if (type === 'reversal' && reverses === '')
      fail(
        map.index.has('reverses') ? 'reverses' : 'type',
        `a reversal needs the transaction id of the payment it cancels in column ${quote(preset.columns.reverses?.[0] ?? 'reverses')}`,
      );
    if (when !== undefined && type !== undefined && amount !== undefined && leaseId !== undefined) {
      const explicit = text('transactionId');
      transaction = {
        id: explicit !== '' ? explicit : `${leaseId}:${when}:${type}:${category ?? '-'}:${amount}`,
        explicitId: explicit !== '',
        date: when,
        type,
        amountCents: amount,
      };
      if (category !== undefined) transaction.category = category;
      if (type === 'charge') transaction.dueDate = due ?? when;
      if (reverses !== '') transaction.reverses = reverses;
      if (text('appliesTo') !== '') transaction.appliesTo = text('appliesTo');
      if (text('memo') !== '') transaction.memo = text('memo');
    }
  }

  if (
    errors.length > 0 ||
    propertyId === undefined ||
    leaseId === undefined ||
    tenantId === undefined
  )
    return errors;
  const print = fingerprint(ctx.printColumns, cells);
  const row: RowData = { line, propertyId, leaseId, tenantId, tenant, lease, print };
  if (text('propertyName') !== '') row.propertyName = text('propertyName');
  if (aging) row.aging = aging;
  if (transaction) row.transaction = transaction;
  if (zero) row.zero = true;
  return row;
}

// ---------------------------------------------------------------------------------------
// Rows together: duplicates and conflicting repeats

interface LeaseDraft {
  line: number;
  print: number;
  attrs: LeaseAttrs;
  tenantIds: string[];
  /** Which line set each attribute, for conflict messages. */
  setAt: Map<string, number>;
}

interface TenantDraft {
  attrs: TenantAttrs;
  setAt: Map<string, number>;
}

const LEASE_ATTR_FIELDS: readonly (readonly [keyof LeaseAttrs, ImportField])[] = [
  ['propertyId', 'propertyId'],
  ['unit', 'unit'],
  ['spaceType', 'spaceType'],
  ['rentCents', 'rent'],
  ['status', 'status'],
  ['startDate', 'startDate'],
  ['endDate', 'endDate'],
  ['inCollections', 'inCollections'],
];
const TENANT_ATTR_FIELDS: readonly (readonly [keyof TenantAttrs, ImportField])[] = [
  ['name', 'tenantName'],
  ['phone', 'phone'],
  ['email', 'email'],
  ['language', 'language'],
];

function conflicts<K extends string>(
  current: Partial<Record<K, unknown>>,
  setAt: Map<string, number>,
  incoming: Partial<Record<K, unknown>>,
  fields: readonly (readonly [K, ImportField])[],
  what: () => string,
): RowError[] {
  let out: RowError[] | undefined;
  for (const [key, field] of fields) {
    const next = incoming[key];
    const prev = current[key];
    if (next === undefined || next === '' || prev === undefined || prev === '' || next === prev)
      continue;
    (out ??= []).push({
      field,
      message: `${code(String(next))} differs from ${code(String(prev))} on row ${setAt.get(key) ?? '?'} for the same ${what()}; give every row of it the same value (or leave the cell empty)`,
    });
  }
  return out ?? [];
}

function merge<K extends string>(
  current: Partial<Record<K, unknown>>,
  setAt: Map<string, number>,
  incoming: Partial<Record<K, unknown>>,
  line: number,
): void {
  for (const key in incoming) {
    const value = incoming[key];
    if (value === undefined || value === '') continue;
    if (current[key] === undefined || current[key] === '') {
      current[key] = value;
      setAt.set(key, line);
    }
  }
}

/**
 * The rows accepted so far, merged into lease and tenant drafts. A row is admitted only if
 * it repeats nothing (the same aging lease or transaction twice) and contradicts nothing
 * (another property, name, phone … for the same lease or tenant).
 */
class Registry {
  readonly leases = new Map<string, LeaseDraft>();
  readonly tenants = new Map<string, TenantDraft>();
  readonly rows: AdmittedRow[] = [];
  /** `fingerprint` of each of `rows`. */
  private readonly prints: number[] = [];
  /** Transaction id → its index in `rows`. */
  private readonly transactions = new Map<string, number>();

  constructor(
    private readonly preset: Preset,
    private readonly level: ImportLevel,
  ) {}

  /** Admits the row, or says why not. */
  admit(row: RowData): RowError[] {
    const lease = this.leases.get(row.leaseId);
    const repeated = this.repeats(row, lease);
    if (repeated.length > 0) return repeated;
    const tenant = this.tenants.get(row.tenantId);
    if (lease) {
      const errors = conflicts(
        lease.attrs,
        lease.setAt,
        row.lease,
        LEASE_ATTR_FIELDS,
        () => `lease ${code(row.leaseId)}`,
      );
      if (errors.length > 0) return errors;
    }
    if (tenant) {
      const errors = conflicts(
        tenant.attrs,
        tenant.setAt,
        row.tenant,
        TENANT_ATTR_FIELDS,
        () => `tenant ${code(row.tenantId)}`,
      );
      if (errors.length > 0) return errors;
    }

    if (lease) {
      merge(lease.attrs, lease.setAt, row.lease, row.line);
      if (!lease.tenantIds.includes(row.tenantId)) lease.tenantIds.push(row.tenantId);
    } else {
      const draft: LeaseDraft = {
        line: row.line,
        print: row.print,
        attrs: { propertyId: '', unit: '' },
        tenantIds: [row.tenantId],
        setAt: new Map(),
      };
      merge(draft.attrs, draft.setAt, row.lease, row.line);
      this.leases.set(row.leaseId, draft);
    }
    if (tenant) merge(tenant.attrs, tenant.setAt, row.tenant, row.line);
    else {
      const draft: TenantDraft = { attrs: { name: '' }, setAt: new Map() };
      merge(draft.attrs, draft.setAt, row.tenant, row.line);
      this.tenants.set(row.tenantId, draft);
    }
    if (row.transaction && !row.zero) this.transactions.set(row.transaction.id, this.rows.length);
    const kept: AdmittedRow = { line: row.line, propertyId: row.propertyId, leaseId: row.leaseId };
    if (row.propertyName !== undefined) kept.propertyName = row.propertyName;
    if (row.aging) kept.aging = row.aging;
    if (row.transaction && !row.zero) kept.entry = transactionEntry(row.leaseId, row.transaction);
    this.rows.push(kept);
    this.prints.push(row.print);
    return [];
  }

  private repeats(row: RowData, lease: LeaseDraft | undefined): RowError[] {
    if (this.level === 'aging' && lease)
      return [
        {
          message:
            lease.print === row.print
              ? `duplicate of row ${lease.line}: the same lease (${code(row.leaseId)}) with the same amounts appears twice; remove one of the two rows`
              : `lease ${code(row.leaseId)} is already on row ${lease.line}; an aging export has one row per lease: merge the two rows or remove one`,
        },
      ];
    const t = row.transaction;
    const at = t && !row.zero ? this.transactions.get(t.id) : undefined;
    if (!t || at === undefined) return [];
    const seen = { line: (this.rows[at] as AdmittedRow).line, print: this.prints[at] };
    if (seen.print === row.print)
      return [
        {
          message: `duplicate of row ${seen.line}: the same transaction appears twice; remove one of the two rows`,
        },
      ];
    if (t.explicitId)
      return [
        {
          field: 'transactionId',
          message: `transaction id ${code(t.id)} is already used on row ${seen.line}; give each transaction its own id`,
        },
      ];
    return [
      {
        message: `same lease, date, type, category and amount as row ${seen.line}; if both are real, give each row its own id in a ${quote(this.preset.columns.transactionId?.[0] ?? 'transaction_id')} column`,
      },
    ];
  }
}

// ---------------------------------------------------------------------------------------
// The import

function emptyResult(preset: PresetName, asOf: LocalDate, currency: string): ImportResult {
  return {
    preset,
    asOf,
    level: null,
    portfolio: { currency, properties: [], tenants: [], leases: [], ledger: [], sources: [] },
    rejects: [],
    issues: [],
    warnings: [],
    reported: [],
    headers: [],
    columns: { mapped: {}, ignored: [] },
    counts: {
      rows: 0,
      imported: 0,
      rejected: 0,
      skipped: 0,
      properties: 0,
      tenants: 0,
      leases: 0,
      ledger: 0,
    },
  };
}

/** Problems with what the caller passed (`--as-of`, `--currency`, `--property-defaults`). */
function optionIssues(options: ImportOptions, currency: string): InputIssue[] {
  const { file } = options;
  const out: InputIssue[] = [];
  if (!isLocalDate(options.asOf))
    out.push({
      file,
      path: '--as-of',
      message: `${code(String(options.asOf))} is not a date; write it as YYYY-MM-DD`,
    });
  if (!/^[A-Z]{3}$/.test(currency))
    out.push({
      file,
      path: '--currency',
      message: `${code(currency)} is not an ISO 4217 currency code such as USD`,
    });
  if (options.propertyDefaults) {
    const probe = propertySchema.safeParse({ id: 'x', name: 'x', ...options.propertyDefaults });
    if (!probe.success)
      for (const i of probe.error.issues)
        out.push({
          file,
          path: '--property-defaults',
          message: `${i.path.join('.')}: ${i.message}`,
        });
  }
  return out;
}

/**
 * The header is the first row (of the first few: title lines may precede it) that has every
 * required column; failing that, the row matching the most columns, to explain what is missing.
 */
function findHeader(preset: Preset, records: readonly CsvRecord[]): number {
  let best = { at: 0, score: -1 };
  for (let i = 0; i < Math.min(HEADER_SEARCH_ROWS, records.length); i++) {
    const cells = (records[i] as CsvRecord).cells.map((c) => c.trim());
    const map = mapColumns(preset, cells);
    const level = levelOf(preset, map);
    if (level !== null && missingGroups(preset, map, level).length === 0) return i;
    if (map.index.size > best.score) best = { at: i, score: map.index.size };
  }
  return best.at;
}

/** A subtotal, grand-total or group-heading row: no tenant, and a total label or one cell. */
function isSummaryRow(preset: Preset, map: ColumnMap, cells: readonly string[]): boolean {
  const identity: ImportField[] = ['tenantName', 'tenantId', 'leaseId', 'unit'];
  if (identity.some((f) => (cells[map.index.get(f) ?? -1] ?? '').trim() !== '')) return false;
  const filled = cells.map((c) => c.trim()).filter((c) => c !== '');
  if (filled.length <= 1) return true; // a group heading such as "-> Oak Court"
  return filled.some((c) => {
    const lower = c.toLowerCase();
    return preset.summaryLabels.some(
      (l) => lower === l || lower.startsWith(`${l} `) || lower.startsWith(`${l}:`),
    );
  });
}

/** Parses a CSV export with a preset. Pure; never throws for bad input. */
export function parseCsvImport(text: string, options: ImportOptions): ImportResult {
  const currency = options.currency ?? 'USD';
  const issues = optionIssues(options, currency);
  if (issues.length > 0) {
    const result = emptyResult(options.preset, options.asOf, currency);
    result.issues = issues.slice(0, MAX_REPORTED_ISSUES);
    return result;
  }
  // Rows are read as the text is split, so a million-row file never exists as a million
  // arrays of cells at once; a file the fast reader does not accept is read again by
  // csv-parse from the start.
  const body = csvBody(text);
  try {
    return importRecords(fastRecords(body), options);
  } catch (e) {
    if (!(e instanceof IrregularCsv)) throw e;
  }
  const read = readCsvSlow(body, options.file);
  if (!read.ok) {
    const result = emptyResult(options.preset, options.asOf, currency);
    result.issues.push(read.issue);
    return result;
  }
  return importRecords(read.records, options);
}

const isBlank = (r: CsvRecord) => r.cells.every((c) => c.trim() === '');

function importRecords(all: Iterable<CsvRecord>, options: ImportOptions): ImportResult {
  const { file, asOf, knownPropertyIds, skipInvalid } = options;
  const preset = PRESETS[options.preset];
  const currency = options.currency ?? 'USD';
  const result = emptyResult(preset.name, asOf, currency);
  const issue = (path: string, message: string) => result.issues.push({ file, path, message });
  const next = all[Symbol.iterator]();
  const finish = (): ImportResult => {
    // Read to the end even when stopping early: a malformed line further down is reported
    // (by csv-parse) before anything found so far, as when the whole file was read first.
    while (!next.next().done);
    result.issues = result.issues.slice(0, MAX_REPORTED_ISSUES);
    result.counts.rejected = result.rejects.length;
    return result;
  };
  /** The non-blank records after the ones already taken. */
  function* rest(): Generator<CsvRecord> {
    for (let r = next.next(); !r.done; r = next.next()) if (!isBlank(r.value)) yield r.value;
  }

  // The header row: among the first few records.
  const records: CsvRecord[] = [];
  for (const r of rest()) {
    records.push(r);
    if (records.length === HEADER_SEARCH_ROWS) break;
  }
  if (records.length === 0) {
    const names = preset.required.all.map((g) => preset.columns[g[0] ?? 'unit']?.[0] ?? '');
    issue(
      'row 1',
      `the file is empty; it needs a header row with at least ${names.map(quote).join(', ')} and one row per ${preset.level === 'transaction' ? 'transaction' : 'lease'}`,
    );
    return finish();
  }
  const headerAt = findHeader(preset, records);
  const headerRecord = records[headerAt] as CsvRecord;
  const headerCells = headerRecord.cells.map((c) => c.trim());
  const headers = uniqueHeaders(headerCells);
  const map = mapColumns(preset, headerCells);
  const mappedIndexes = new Set(map.index.values());
  result.headers = headers;
  for (const [field, i] of map.index) result.columns.mapped[field] = headers[i] ?? '';
  result.columns.ignored = headers.filter((_, i) => !mappedIndexes.has(i));
  const headerPath = `row ${headerRecord.line} (header)`;
  const found = headerCells.filter((h) => h !== '');
  for (const d of map.duplicates)
    issue(
      headerPath,
      `column ${quote(d.header)} appears ${d.at.length} times (columns ${d.at.map((i) => i + 1).join(', ')}); keep one, or rename the others`,
    );
  const level = levelOf(preset, map);
  result.level = level;
  if (level === null) issue(headerPath, levelMessage(preset, found));
  else
    for (const g of missingGroups(preset, map, level))
      issue(headerPath, missingMessage(preset, g, found));
  if (result.issues.length > 0 || level === null) return finish();

  // Data rows: each is read on its own, then admitted against the rows before it.
  const ctx: RowContext = {
    preset,
    map,
    level,
    asOf,
    read: cellReaders(preset),
    printColumns: IMPORT_FIELDS.flatMap((f) => {
      const i = map.index.get(f);
      return i === undefined ? [] : [i];
    }),
  };
  const header = (field: ImportField | undefined) =>
    field === undefined ? undefined : headers[map.index.get(field) ?? -1];
  const registry = new Registry(preset, level);
  const rowIssues: InputIssue[] = [];
  const dataRecords = function* () {
    yield* records.slice(headerAt + 1);
    yield* rest();
  };
  for (const record of dataRecords()) {
    if (isSummaryRow(preset, map, record.cells)) {
      result.counts.skipped++;
      continue;
    }
    result.counts.rows++;
    const errors: RowError[] = [];
    if (
      record.cells.length > headers.length &&
      record.cells.slice(headers.length).some((c) => c.trim() !== '')
    )
      errors.push({
        message: `the row has ${record.cells.length} values but the header has ${headers.length} columns; put quotes around values that contain commas`,
      });
    const row = readRow(ctx, record.line, record.cells);
    if (Array.isArray(row)) errors.push(...row);
    else if (errors.length === 0) errors.push(...registry.admit(row));
    if (errors.length === 0) {
      if (!Array.isArray(row) && row.zero)
        result.warnings.push({
          file,
          path: `row ${row.line}, column ${quote(header('amount') ?? 'amount')}`,
          message: 'the amount is 0; the lease and tenant were read, no ledger entry was made',
        });
      continue;
    }
    const where = (e: RowError) => {
      const h = header(e.field);
      return h === undefined ? undefined : `column ${quote(h)}`;
    };
    for (const e of errors) {
      const column = where(e);
      rowIssues.push({
        file,
        path: column === undefined ? `row ${record.line}` : `row ${record.line}, ${column}`,
        message: e.message,
      });
    }
    if (skipInvalid) {
      const raw: Record<string, string> = {};
      headers.forEach((h, i) => (raw[h] = record.cells[i] ?? ''));
      const messages = errors.map((e) => {
        const column = where(e);
        return column === undefined ? e.message : `${column}: ${e.message}`;
      });
      result.rejects.push({ row: record.line, raw, errors: messages });
    }
  }
  if (!skipInvalid) result.issues.push(...rowIssues);

  // Properties: known, created from the defaults, or unknown (which stops the import).
  const newProperties = new Map<string, { name?: string; lines: number[] }>();
  for (const row of registry.rows) {
    if (knownPropertyIds.has(row.propertyId)) continue;
    const entry = newProperties.get(row.propertyId) ?? { lines: [] };
    if (entry.name === undefined && row.propertyName !== undefined) entry.name = row.propertyName;
    entry.lines.push(row.line);
    newProperties.set(row.propertyId, entry);
  }
  if (!options.propertyDefaults) {
    const column = header(map.index.has('propertyId') ? 'propertyId' : 'propertyName');
    for (const [id, { lines }] of newProperties) {
      // Short codes (P1, P2) are all one typo apart: a hint there would mislead.
      const hint = id.length > 3 ? suggest(id, [...knownPropertyIds]) : undefined;
      const shown = lines.slice(0, 5).join(', ') + (lines.length > 5 ? ', …' : '');
      issue(
        `row ${lines[0] ?? 0}, column ${quote(column ?? 'Property')}`,
        `unknown property ${code(id)} (row${lines.length > 1 ? 's' : ''} ${shown}${hint ? `; did you mean ${code(hint)}?` : ''}): add it to the portfolio first, or pass --property-defaults timezone=…,jurisdiction=…,kind=… to create it`,
      );
    }
  }
  if (result.issues.length > 0) return finish();

  // The fragment, checked once more against the portfolio schema (which also fills defaults).
  const source = `csv:${preset.name}`;
  const fragment = {
    currency,
    properties: [] as unknown[],
    tenants: [] as unknown[],
    leases: [] as unknown[],
    ledger: [] as LedgerEntry[],
    sources: [{ id: source, kind: 'import' }],
  };
  if (options.propertyDefaults)
    for (const [id, { name }] of newProperties)
      fragment.properties.push({ id, name: name ?? id, ...options.propertyDefaults });
  for (const [id, t] of registry.tenants) fragment.tenants.push({ id, ...t.attrs });
  for (const [id, l] of registry.leases) {
    const { inCollections, rentCents, ...attrs } = l.attrs;
    fragment.leases.push({
      id,
      ...attrs,
      tenantIds: l.tenantIds,
      rentCents: rentCents ?? 0,
      tags: inCollections ? ['collections'] : [],
      sourceId: source,
    });
  }
  for (const row of registry.rows) {
    if (row.entry) fragment.ledger.push(row.entry);
    if (row.aging) {
      const out = agingEntries(preset, row, asOf, header, fragment.ledger);
      if (out.warning) result.warnings.push({ file, ...out.warning });
      if (out.reported) result.reported.push(out.reported);
    }
  }
  const checked = portfolioSchema.safeParse(fragment);
  if (!checked.success) {
    // Every field was checked above; reaching here is a bug, reported rather than hidden.
    result.issues.push(
      ...zodIssuesToInputIssues(checked.error.issues, {
        file,
        input: fragment,
        schema: portfolioSchema,
      }),
    );
    result.reported = [];
    result.warnings = [];
    return finish();
  }
  const p = checked.data;
  result.portfolio = {
    currency: p.currency,
    properties: p.properties,
    tenants: p.tenants,
    leases: p.leases,
    ledger: p.ledger,
    sources: p.sources,
  };
  Object.assign(result.counts, {
    imported: registry.rows.length,
    properties: p.properties.length,
    tenants: p.tenants.length,
    leases: p.leases.length,
    ledger: p.ledger.length,
  });
  return finish();
}

function transactionEntry(leaseId: string, t: TransactionData): LedgerEntry {
  const entry: LedgerEntry = {
    id: t.id,
    leaseId,
    date: t.date,
    type: t.type,
    amountCents: t.amountCents,
  };
  if (t.category !== undefined) entry.category = t.category;
  if (t.dueDate !== undefined) entry.dueDate = t.dueDate;
  if (t.reverses !== undefined) entry.reverses = t.reverses;
  if (t.appliesTo !== undefined) entry.appliesTo = t.appliesTo;
  if (t.memo !== undefined) entry.memo = t.memo;
  return entry;
}

/** The synthetic charges and credit of one aging row (appended to `ledger`), and its total. */
function agingEntries(
  preset: Preset,
  row: AdmittedRow,
  asOf: LocalDate,
  header: (field: ImportField) => string | undefined,
  ledger: LedgerEntry[],
): { reported?: ReportedTotal; warning?: { path: string; message: string } } {
  const aging = row.aging as AgingData;
  let charged = 0;
  let credit = aging.prepaymentCents ?? 0;
  for (const bucket of AGING_BUCKETS) {
    const cents = aging.buckets[bucket];
    if (cents === undefined) continue;
    if (cents < 0) {
      credit += -cents; // a negative bucket is money the tenant has in hand
      continue;
    }
    const due = addDays(asOf, -BUCKET_AGE_DAYS[bucket]);
    charged += cents;
    ledger.push({
      id: `${row.leaseId}:aging:${asOf}:${bucket}`,
      leaseId: row.leaseId,
      date: due,
      type: 'charge',
      category: 'rent',
      amountCents: cents,
      dueDate: due,
      memo: `${quote(header(`bucket:${bucket}`) ?? bucket)} balance in the ${preset.name} export as of ${asOf}`,
    });
  }
  const out: { reported?: ReportedTotal; warning?: { path: string; message: string } } = {};
  const total = aging.totalCents;
  if (total !== undefined) {
    const net = charged - credit;
    // Without a prepayment column, a total below the buckets is the tenant's credit.
    if (aging.prepaymentCents === undefined && total < net) credit += net - total;
    else if (total !== net && total !== charged)
      out.warning = {
        path: `row ${row.line}, column ${quote(header('total') ?? 'total')}`,
        message: `the total ${formatCents(total)} differs from the buckets (${formatCents(net)} after credits); the buckets were imported and the total kept for reconciliation`,
      };
  }
  if (credit > 0)
    ledger.push({
      id: `${row.leaseId}:aging:${asOf}:credit`,
      leaseId: row.leaseId,
      date: asOf,
      type: 'credit',
      amountCents: credit,
      memo: `prepayment / credit balance in the ${preset.name} export as of ${asOf}`,
    });
  if (total !== undefined) {
    const reported: ReportedTotal = {
      row: row.line,
      leaseId: row.leaseId,
      totalCents: total,
      importedCents: charged - credit,
    };
    if (aging.lastPaymentDate !== undefined) reported.lastPaymentDate = aging.lastPaymentDate;
    if (aging.lastPaymentCents !== undefined) reported.lastPaymentCents = aging.lastPaymentCents;
    out.reported = reported;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The reject file

/**
 * A cell of the reject file. A vendor's cell that starts like a formula (=, +, -, @, tab,
 * CR) gets a `'` in front so a spreadsheet shows it as text (as report CSVs do,
 * domain/reports/csv.ts); a cell that is only a number (`-25.00`) is no formula and stays
 * as written, so the fixed file imports again.
 */
function csvCell(cell: string): string {
  const value = /^[=+\-@\t\r]/.test(cell) && !/^[+-]?\d+(\.\d+)?$/.test(cell) ? `'${cell}` : cell;
  return /[",\n\r]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The reject file written beside the import under `--skip-invalid`: the original columns
 * (fix the cells and import it again) plus an `errors` column. UTF-8 with a BOM so
 * spreadsheet programs show accented names correctly.
 */
export function rejectsToCsv(rejects: readonly RejectedRow[], headers: readonly string[]): string {
  const lines = [[...headers, 'errors'].map(csvCell).join(',')];
  for (const r of rejects)
    lines.push(
      [...headers.map((h) => r.raw[h] ?? ''), `row ${r.row}: ${r.errors.join(' | ')}`]
        .map(csvCell)
        .join(','),
    );
  return `\uFEFF${lines.join('\n')}\n`;
}

/**
 * CSV for every report (SPEC 8): RFC 4180 quoting, `\n` line ends, a header line first.
 *
 * Formula injection: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
 * return is prefixed with a single quote, so a spreadsheet shows a tenant named
 * `=HYPERLINK(…)` as text and never runs it. Only text cells (names, units, ids, narratives:
 * anything that may come from outside) are escaped; numbers the report computes are written
 * as plain numbers (`-25.00` stays a number), so a spreadsheet can add them up.
 *
 * Money is written in currency units with two decimals (`1500.00`), counts as integers,
 * rates as fractions with four decimals (`0.6667`); an unknown value (a rate of nothing)
 * is an empty cell.
 *
 * Pure.
 */
import type { Cents } from '../money.js';

/** A money cell: integer cents written as a decimal in currency units. */
export interface MoneyCell {
  cents: Cents;
}
/** A rate cell: a fraction, or null when there was nothing to divide by. */
export interface RateCell {
  rate: number | null;
}
/** text | integer | money | rate | empty */
export type CsvCell = string | number | MoneyCell | RateCell | null | undefined;

export const money = (cents: Cents): MoneyCell => ({ cents });
export const rate = (value: number | null): RateCell => ({ rate: value });

/** Integer cents as a plain decimal in currency units: 150000 → `1500.00`, −2500 → `-25.00`. */
export function decimal(cents: Cents): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * A text cell: quoted when it holds a comma, quote or line break (RFC 4180), and prefixed
 * with `'` when it starts like a formula (=, +, -, @, tab, CR) so a spreadsheet never runs
 * a tenant's name as one.
 */
export function csvText(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvCell(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return csvText(cell);
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  if ('cents' in cell) return decimal(cell.cents);
  return cell.rate === null ? '' : cell.rate.toFixed(4);
}

export function csvLine(cells: readonly CsvCell[]): string {
  return cells.map(csvCell).join(',');
}

/** A whole CSV document: the header (text cells), then one line per row; ends with `\n`. */
export function csvTable(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [csvLine(header), ...rows.map(csvLine)].join('\n') + '\n';
}

/**
 * A report laid out for reading (the PDF of SPEC 8): a title, the organisation, the date
 * or period it covers, key figures, then tables (with a total line) and paragraphs. Every
 * report turns its JSON into one of these; the PDF renderer (src/reports/render-pdf.ts)
 * draws it, knowing nothing about any one report. Cells are text, already formatted.
 *
 * Pure.
 */
import type { LocalDate } from '../dates.js';
import { formatCents, type Cents } from '../money.js';

export interface ReportColumn {
  header: string;
  /** Numbers are right-aligned. */
  align?: 'left' | 'right';
  /** Relative width (default 1). */
  weight?: number;
}

export interface ReportTable {
  kind: 'table';
  heading?: string;
  columns: ReportColumn[];
  rows: string[][];
  /** A last line in bold (totals). */
  total?: string[];
  /** Shown instead of an empty table. */
  empty?: string;
}

export interface ReportText {
  kind: 'text';
  heading?: string;
  lines: string[];
}

export type ReportBlock = ReportTable | ReportText;

export interface ReportDocument {
  title: string;
  organisation: string;
  /** `As of 2026-12-15` or `2026-12-09 to 2026-12-15 (as of 2026-12-15)`. */
  scope: string;
  /** The document's own date (the as-of date or the period's end): its PDF CreationDate. */
  date: LocalDate;
  /** Key figures, label and value. */
  summary: { label: string; value: string }[];
  blocks: ReportBlock[];
}

export const usd = (cents: Cents): string => formatCents(cents);

/** A rate as a percentage with one decimal (`66.7%`), or `n/a`. */
export function percent(rate: number | null): string {
  return rate === null ? 'n/a' : `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

export function asOfScope(asOf: LocalDate): string {
  return `As of ${asOf}`;
}

export function periodScope(from: LocalDate, to: LocalDate, asOf: LocalDate): string {
  return asOf === to ? `${from} to ${to}` : `${from} to ${to} (outcomes as of ${asOf})`;
}

export const right = (header: string, weight = 1): ReportColumn => ({
  header,
  align: 'right',
  weight,
});
export const left = (header: string, weight = 1): ReportColumn => ({ header, weight });

/**
 * `arrears import` for the canonical JSON portfolio (SPEC 3.1): all-or-nothing per file,
 * a repeated file is a no-op, a newer one reconciles (upserts by id) and marks the leases
 * whose data changed so the next scan evaluates them.
 */
import { createHash } from 'node:crypto';
import { parsePortfolio } from '../domain/portfolio/read.js';
import type { Portfolio } from '../domain/portfolio/schema.js';
import type { Clock } from './ports/clock.js';
import type { PortfolioStore, SaveResult } from './ports/portfolio.js';
import type { ScanStateStore } from './ports/scan.js';

export interface ImportDeps {
  clock: Clock;
  portfolio: PortfolioStore;
  state: ScanStateStore;
}

export interface ImportInput {
  orgId: string;
  fileName: string;
  /** The file's bytes as text; its sha256 identifies the file for re-imports. */
  text: string;
  format: 'json' | 'csv';
  actor: string;
}

export interface ImportResult extends SaveResult {
  file: string;
  sha256: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Saves an already-validated portfolio (from JSON or a CSV preset). */
export async function savePortfolio(
  deps: ImportDeps,
  input: Omit<ImportInput, 'text'> & { sha256: string },
  portfolio: Portfolio,
): Promise<ImportResult> {
  const at = new Date(deps.clock.now()).toISOString();
  const result = await deps.portfolio.savePortfolio(input.orgId, portfolio, {
    source: 'import',
    actor: input.actor,
    at,
    file: { name: input.fileName, sha256: input.sha256, format: input.format },
  });
  return { ...result, file: input.fileName, sha256: input.sha256 };
}

/** Imports a JSON portfolio file. Throws InputError (nothing written) when it is invalid. */
export function importJsonPortfolio(deps: ImportDeps, input: ImportInput): Promise<ImportResult> {
  const portfolio = parsePortfolio(input.text, input.fileName);
  return savePortfolio(deps, { ...input, sha256: sha256(input.text) }, portfolio);
}

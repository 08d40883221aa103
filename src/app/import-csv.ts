/**
 * `arrears import --preset P FILE.csv` (SPEC 3.2): a vendor export through its column map.
 * All-or-nothing unless `skipInvalid`; a repeated file is a no-op; a newer aging export
 * replaces the synthetic charges of the leases it lists (their ages moved on) and records
 * each row's reported total for the balance_mismatch check (SPEC 5).
 */
import { InputError } from '../domain/errors.js';
import {
  parseCsvImport,
  rejectsToCsv,
  type PropertyDefaults,
  type RejectedRow,
} from '../domain/import/csv.js';
import type { PresetName } from '../domain/import/presets.js';
import type { LocalDate } from '../domain/dates.js';
import type { Portfolio } from '../domain/portfolio/schema.js';
import { sha256, type ImportDeps, type ImportResult } from './import-portfolio.js';

export interface CsvImportInput {
  orgId: string;
  fileName: string;
  text: string;
  preset: PresetName;
  asOf: LocalDate;
  skipInvalid: boolean;
  propertyDefaults?: PropertyDefaults;
  actor: string;
}

export interface CsvImportResult extends ImportResult {
  level: 'transaction' | 'aging' | null;
  rows: { total: number; imported: number; rejected: number; skipped: number };
  rejects: RejectedRow[];
  /** The reject file's content (original columns + `errors`), when rows were rejected. */
  rejectsCsv: string | null;
  warnings: string[];
}

export async function importCsvExport(
  deps: ImportDeps,
  input: CsvImportInput,
): Promise<CsvImportResult> {
  const parsed = parseCsvImport(input.text, {
    file: input.fileName,
    preset: input.preset,
    asOf: input.asOf,
    knownPropertyIds: await deps.portfolio.propertyIds(input.orgId),
    skipInvalid: input.skipInvalid,
    ...(input.propertyDefaults ? { propertyDefaults: input.propertyDefaults } : {}),
  });
  if (parsed.issues.length > 0) throw new InputError(parsed.issues);
  const fragment = parsed.portfolio;
  const portfolio = { events: [], cases: [], ...fragment } as unknown as Portfolio;
  const at = new Date(deps.clock.now()).toISOString();
  const digest = sha256(input.text);
  const saved = await deps.portfolio.savePortfolio(input.orgId, portfolio, {
    source: `csv:${input.preset}`,
    actor: input.actor,
    at,
    file: { name: input.fileName, sha256: digest, format: `csv:${input.preset}` },
    ...(parsed.level === 'aging'
      ? {
          supersede: {
            leaseIds: fragment.leases.map((l) => l.id),
            idMarker: ':aging:',
            keepIds: fragment.ledger.map((e) => e.id),
          },
        }
      : {}),
  });
  if (!saved.alreadyImported) {
    if (parsed.reported.length > 0)
      await deps.state.setReportedBalances(
        input.orgId,
        parsed.reported.map((r) => ({ leaseId: r.leaseId, cents: r.totalCents })),
      );
  }
  return {
    ...saved,
    file: input.fileName,
    sha256: digest,
    level: parsed.level,
    rows: {
      total: parsed.counts.rows,
      imported: parsed.counts.imported,
      rejected: parsed.counts.rejected,
      skipped: parsed.counts.skipped,
    },
    rejects: parsed.rejects,
    rejectsCsv: parsed.rejects.length > 0 ? rejectsToCsv(parsed.rejects, parsed.headers) : null,
    warnings: parsed.warnings.map((w) => `${w.path}: ${w.message}`),
  };
}

/** `arrears import`: a portfolio JSON file or a CSV export (SPEC 3.2) into the database. */
import { extname } from 'node:path';
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { importCsvExport, type CsvImportResult } from '../../app/import-csv.js';
import { importJsonPortfolio, type ImportResult } from '../../app/import-portfolio.js';
import { isLocalDate } from '../../domain/dates.js';
import type { PropertyDefaults } from '../../domain/import/csv.js';
import { isPresetName, PRESET_NAMES } from '../../domain/import/presets.js';
import { InputError } from '../../domain/errors.js';
import { storesFor, withRuntime } from '../../main.js';
import type { CliContext } from '../context.js';
import { readInputFile } from '../io.js';
import { DB_OPTION_HELP } from './migrate.js';

export interface ImportOptions {
  db?: string;
  format?: string;
  preset?: string;
  asOf?: string;
  skipInvalid?: boolean;
  propertyDefaults?: string;
  json?: boolean;
  as?: string;
}

/** `--property-defaults timezone=…,jurisdiction=…,kind=…` → PropertyDefaults. */
export function parsePropertyDefaults(text: string): PropertyDefaults {
  const values: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [k, ...rest] = pair.split('=');
    if (!k || rest.length === 0)
      throw new InputError([
        {
          path: '--property-defaults',
          message: `\`${pair}\` is not KEY=VALUE; write e.g. timezone=America/Chicago,jurisdiction=US-TX,kind=residential`,
        },
      ]);
    values[k.trim()] = rest.join('=').trim();
  }
  const missing = ['timezone', 'jurisdiction', 'kind'].filter((k) => !values[k]);
  if (missing.length > 0)
    throw new InputError([
      {
        path: '--property-defaults',
        message: `missing ${missing.join(', ')}; new properties need timezone, jurisdiction and kind`,
      },
    ]);
  return values as unknown as PropertyDefaults;
}

async function importCsv(
  ctx: CliContext,
  file: string,
  text: string,
  opts: ImportOptions,
): Promise<CsvImportResult & { rejectFile?: string }> {
  const preset = opts.preset ?? 'generic';
  if (!isPresetName(preset))
    throw new InputError([
      {
        path: '--preset',
        message: `\`${preset}\` is not a preset; use one of ${PRESET_NAMES.join(', ')}`,
      },
    ]);
  if (opts.asOf !== undefined && !isLocalDate(opts.asOf))
    throw new InputError([
      { path: '--as-of', message: `\`${opts.asOf}\` is not a date; write it as YYYY-MM-DD` },
    ]);
  const propertyDefaults =
    opts.propertyDefaults !== undefined ? parsePropertyDefaults(opts.propertyDefaults) : undefined;
  const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
    importCsvExport(
      { clock: rt.clock, ...storesFor(rt.db) },
      {
        orgId: rt.orgId,
        fileName: file,
        text,
        preset,
        asOf: opts.asOf ?? new Date(rt.clock.now()).toISOString().slice(0, 10),
        skipInvalid: !!opts.skipInvalid,
        ...(propertyDefaults ? { propertyDefaults } : {}),
        actor: opts.as ?? ctx.env.ARREARS_USER ?? 'cli',
      },
    ),
  );
  if (result.rejectsCsv === null) return result;
  const rejectFile = file.replace(/(\.csv)?$/i, '.rejects.csv');
  await writeFile(resolve(ctx.cwd, rejectFile), result.rejectsCsv);
  return { ...result, rejectFile };
}

export function registerImport(program: Command, ctx: CliContext): void {
  program
    .command('import')
    .description('import a portfolio (JSON, SPEC 3.1) or a CSV export (SPEC 3.2) into the database')
    .argument('<file>', 'the file to import')
    .option('--format <format>', 'json or csv (default: from the file extension)')
    .option('--preset <preset>', 'CSV column map: appfolio, buildium, yardi or generic')
    .option('--as-of <date>', 'export date of an aging-bucket CSV (default: today)')
    .option('--skip-invalid', 'write the valid rows and a reject file for the others')
    .option(
      '--property-defaults <k=v,...>',
      'create unknown properties with these settings, e.g. timezone=America/Chicago,jurisdiction=US-TX,kind=residential',
    )
    .option('--db <url>', DB_OPTION_HELP)
    .option('--as <email>', 'acting user recorded in the audit log')
    .option('--json', 'print one JSON document')
    .action(async (file: string, opts: ImportOptions) => {
      const ext = extname(file).toLowerCase();
      const format = opts.format ?? (ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : undefined);
      if (format !== 'json' && format !== 'csv')
        throw new InputError([
          {
            file,
            path: '--format',
            message: `cannot tell the format of ${file}; pass --format json or --format csv`,
          },
        ]);
      const text = await readInputFile(file, ctx);
      let result: ImportResult & Partial<CsvImportResult> & { rejectFile?: string };
      if (format === 'csv') {
        result = await importCsv(ctx, file, text, opts);
      } else {
        result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
          importJsonPortfolio(
            { clock: rt.clock, ...storesFor(rt.db) },
            {
              orgId: rt.orgId,
              fileName: file,
              text,
              format: 'json',
              actor: opts.as ?? ctx.env.ARREARS_USER ?? 'cli',
            },
          ),
        );
      }
      for (const w of result.warnings ?? []) ctx.stderr(`warning: ${file}: ${w}\n`);
      if (opts.json) {
        const { rejectsCsv: _csv, rejects, ...rest } = result;
        ctx.stdout(
          `${JSON.stringify({ ...rest, ...(rejects ? { rejected: rejects.length } : {}) }, null, 2)}\n`,
        );
        return;
      }
      if (result.alreadyImported) {
        ctx.stdout(
          `${file}: already imported (sha256 ${result.sha256.slice(0, 12)}…); nothing to do\n`,
        );
        return;
      }
      const parts = Object.entries(result.counts)
        .filter(([, c]) => c.inserted + c.updated + c.unchanged > 0)
        .map(([k, c]) => `${k} +${c.inserted} ~${c.updated} =${c.unchanged}`);
      ctx.stdout(
        `${file}: imported (${parts.join(', ')}); ${result.changedLeaseIds.length} lease(s) changed\n`,
      );
      if (result.rejectFile)
        ctx.stdout(
          `${result.rejects?.length ?? 0} invalid row(s) not imported; see ${result.rejectFile}\n`,
        );
    });
}

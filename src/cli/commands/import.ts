/** `arrears import`: a portfolio JSON file or a CSV export (SPEC 3.2) into the database. */
import { extname } from 'node:path';
import type { Command } from 'commander';
import { importJsonPortfolio, type ImportResult } from '../../app/import-portfolio.js';
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

/** CSV imports register here once the presets exist (see import-csv.ts). */
export type CsvImporter = (
  ctx: CliContext,
  file: string,
  text: string,
  opts: ImportOptions,
) => Promise<ImportResult & { rejects?: { file: string; rows: number } }>;

let csvImporter: CsvImporter | undefined;
export function setCsvImporter(fn: CsvImporter): void {
  csvImporter = fn;
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
      let result: ImportResult & { rejects?: { file: string; rows: number } };
      if (format === 'csv') {
        if (!csvImporter)
          throw new InputError([
            { file, path: '--format', message: 'CSV import is not available' },
          ]);
        result = await csvImporter(ctx, file, text, opts);
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
      if (opts.json) {
        ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
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
      if (result.rejects)
        ctx.stdout(`${result.rejects.rows} invalid row(s) written to ${result.rejects.file}\n`);
    });
}

import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAudit } from './audit.js';
import { registerEvents } from './events.js';
import { registerImport } from './import.js';
import { registerScan } from './scan.js';
import { registerMigrate } from './migrate.js';
import { registerPolicy } from './policy.js';
import { registerSimulate } from './simulate.js';

/** Every command module registers itself here. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerSimulate(program, ctx);
  registerPolicy(program, ctx);
  registerMigrate(program, ctx);
  registerAudit(program, ctx);
  registerImport(program, ctx);
  registerScan(program, ctx);
  registerEvents(program, ctx);
}

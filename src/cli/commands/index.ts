import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAudit } from './audit.js';
import { registerEvents } from './events.js';
import { registerFees } from './fees.js';
import { registerImport } from './import.js';
import { registerReports } from './report.js';
import { registerScan } from './scan.js';
import { registerMigrate } from './migrate.js';
import { registerPolicy } from './policy.js';
import { registerSimulate } from './simulate.js';
import { registerServe } from './serve.js';
import { registerOutbox } from './outbox.js';
import { registerApprovals } from './approvals.js';
import { registerUsers } from './users.js';
import { registerDispatch } from './dispatch.js';
import { registerEdit } from './edit.js';
import { registerResolve } from './resolve.js';
import { registerErase } from './erase.js';
import { registerPacket } from './packet.js';
import { registerSuggestions } from './suggestions.js';
import { registerGate } from './gate.js';
import { registerSchedules } from './schedule.js';
import { registerConnectors } from './connectors.js';
import { registerDemo } from './demo.js';
import { registerHandoff } from './handoff.js';
import { registerSync } from './sync.js';

/** Every command module registers itself here. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerSimulate(program, ctx);
  registerPolicy(program, ctx);
  registerMigrate(program, ctx);
  registerAudit(program, ctx);
  registerImport(program, ctx);
  registerScan(program, ctx);
  registerReports(program, ctx);
  registerEvents(program, ctx);
  registerFees(program, ctx);
  registerServe(program, ctx);
  registerOutbox(program, ctx);
  registerApprovals(program, ctx);
  registerUsers(program, ctx);
  registerDispatch(program, ctx);
  registerEdit(program, ctx);
  registerResolve(program, ctx);
  registerErase(program, ctx);
  registerSuggestions(program, ctx);
  registerPacket(program, ctx);
  registerHandoff(program, ctx);
  registerGate(program, ctx);
  registerConnectors(program, ctx);
  registerDemo(program, ctx);
  registerSync(program, ctx);
  registerSchedules(program, ctx); // after registerReports: adds `report schedule|deliver`
}

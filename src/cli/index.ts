/**
 * `arrears` command line. Each command lives in commands/<name>.ts and registers itself
 * through commands/index.ts. Exit codes: 0 ok, 1 runtime error, 2 invalid input.
 */
import { Command, CommanderError } from 'commander';
import { exitCodeFor, formatIssue, InputError } from '../domain/errors.js';
import { registerCommands } from './commands/index.js';
import type { CliContext } from './context.js';
import { explainStorageError, sqliteFileOf } from './storage-errors.js';

export async function main(argv: string[], ctx: Partial<CliContext> = {}): Promise<number> {
  const context: CliContext = {
    stdout: ctx.stdout ?? ((s) => process.stdout.write(s)),
    stderr: ctx.stderr ?? ((s) => process.stderr.write(s)),
    env: ctx.env ?? process.env,
    cwd: ctx.cwd ?? process.cwd(),
    exitCode: 0,
  };
  const program = new Command('arrears')
    .description('Arrears: rent and self-storage delinquency tracking and escalation')
    .version('0.1.0')
    .showHelpAfterError(true)
    .configureOutput({
      writeOut: (s) => context.stdout(s),
      writeErr: (s) => context.stderr(s),
    })
    .exitOverride();
  registerCommands(program, context);
  program.commands.forEach(function exitOverrideAll(cmd: Command): void {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => context.stdout(s), writeErr: (s) => context.stderr(s) });
    cmd.commands.forEach(exitOverrideAll);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      // Unknown options, missing arguments: invalid input.
      return 2;
    }
    if (error instanceof InputError) {
      for (const issue of error.issues) context.stderr(`error: ${formatIssue(issue)}\n`);
      context.stderr(
        `${error.issues.length} error${error.issues.length === 1 ? '' : 's'}; nothing was written.\n`,
      );
      return 2;
    }
    const message =
      explainStorageError(error, sqliteFileOf(argv, context)) ??
      (error instanceof Error ? error.message : String(error));
    context.stderr(`error: ${message}\n`);
    return exitCodeFor(error);
  }
}

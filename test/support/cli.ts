/** Runs the `arrears` CLI in-process against a throw-away working directory. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export function workDir(prefix = 'arrears-cli-'): {
  dir: string;
  write: (name: string, text: string) => string;
  run: (...argv: string[]) => Promise<CliRun>;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      writeFileSync(join(dir, name), text);
      return name;
    },
    run: (...argv) => runCli(argv, dir),
  };
}

/** Runs `arrears argv…` in-process in `cwd`, collecting what it prints. */
export async function runCli(
  argv: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    env,
    cwd,
  });
  return { code, out, err };
}

/**
 * The CLI against one database from one working directory, both read when a command runs
 * (a suite's directory and database exist only once its tests start): `run` reports the
 * exit code and output, `ok` returns stdout and throws on a non-zero exit.
 */
export function cliAgainst(where: () => { cwd: string; db: string }) {
  const run = (...argv: string[]) => {
    const { cwd, db } = where();
    return runCli([...argv, '--db', db], cwd);
  };
  const ok = async (...argv: string[]) => {
    const r = await run(...argv);
    if (r.code !== 0) throw new Error(`arrears ${argv.join(' ')}: exit ${r.code}: ${r.err}`);
    return r.out;
  };
  return { run, ok };
}

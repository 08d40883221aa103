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
    async run(...argv) {
      let out = '';
      let err = '';
      const code = await main(argv, {
        stdout: (s) => {
          out += s;
        },
        stderr: (s) => {
          err += s;
        },
        env: {},
        cwd: dir,
      });
      return { code, out, err };
    },
  };
}

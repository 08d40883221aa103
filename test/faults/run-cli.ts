/**
 * Runs `arrears` commands in one child process (one start-up instead of one per command),
 * for running the CLI as another user: `node --import tsx test/faults/run-cli.ts`, then
 * one JSON line per batch on stdin, `[["scan", …], …]`; for each batch, the commands run in
 * order and one JSON line comes back on stdout, `[{code, out, err}, …]`.
 */
import { createInterface } from 'node:readline';
import { main } from '../../src/cli/index.js';

for await (const line of createInterface({ input: process.stdin })) {
  const runs: { code: number; out: string; err: string }[] = [];
  for (const argv of JSON.parse(line) as string[][]) {
    let out = '';
    let err = '';
    const code = await main(argv, {
      stdout: (s) => {
        out += s;
      },
      stderr: (s) => {
        err += s;
      },
    });
    runs.push({ code, out, err });
  }
  process.stdout.write(`${JSON.stringify(runs)}\n`);
}

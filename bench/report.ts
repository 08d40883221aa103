/**
 * What every benchmark writes the same way: the machine it ran on, the command that ran it,
 * and its own section of docs/benchmarks.md (`<!-- name:start -->…<!-- name:end -->`),
 * rewritten in place or appended.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export const BENCHMARKS_DOC = new URL('../docs/benchmarks.md', import.meta.url);

/**
 * `CPU model, N cores, M GiB, Node vX, calibration N ms`. Machines of the same model name
 * differ (clock, neighbours on a shared host), so every table carries a figure that
 * compares them: see {@link calibrationMs}.
 */
export function hardware(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, calibration ${calibrationMs()} ms`;
}

let calibrated: number | undefined;

/**
 * Milliseconds one thread takes for a fixed loop of 10^8 additions, the best of 5 (lower is
 * faster; measured once per process). Absolute targets ("< 60 s") can only be compared
 * between tables whose calibration agrees; ratios to a same-run baseline can always be.
 */
export function calibrationMs(): number {
  if (calibrated === undefined) {
    let best = Infinity;
    for (let run = 0; run < 5; run++) {
      const t0 = process.hrtime.bigint();
      let sum = 0;
      for (let i = 0; i < 1e8; i++) sum += i;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      // The sum is checked so that the loop cannot be optimised away.
      if (sum !== 4999999950000000) throw new Error('calibration loop miscounted');
      best = Math.min(best, ms);
    }
    calibrated = Math.round(best);
  }
  return calibrated;
}

/** The 1, 5 and 15-minute load averages, `a / b / c`: how shared the machine was. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
}

/** `npm run SCRIPT -- ARGS` as this process was started. */
export function commandLine(script: string): string {
  const args = process.argv.slice(2).join(' ');
  return `npm run ${script}${args ? ` -- ${args}` : ''}`;
}

/** Today's date, as the tables say when they were measured. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Replaces (or appends) section `name` of docs/benchmarks.md with `section`. */
export function rewriteSection(name: string, section: string): void {
  const marked = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`);
  let doc = existsSync(BENCHMARKS_DOC)
    ? readFileSync(BENCHMARKS_DOC, 'utf8')
    : '# Benchmarks\n\nProduced by `npm run bench`; each section is rewritten in place.\n';
  doc = marked.test(doc) ? doc.replace(marked, () => section) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(BENCHMARKS_DOC, doc);
}

/**
 * Vitest globalSetup for the browser tests (web/e2e/*.browser.test.ts). Only when such a
 * file is part of the run, it
 *
 * 1. finds Debian's Chromium, installing it when missing (scripts/ensure-chromium.mjs:
 *    root + apt-get), and
 * 2. builds the dashboard into dist/web when dist/web/index.html is missing or older than
 *    the sources under web/ (`vite build --config web/vite.config.ts`),
 *
 * then hands the tests the browser's path (`inject('arrearsBrowser')`). When Chromium is
 * missing and cannot be installed here, the tests are skipped with the reason printed,
 * unless ARREARS_REQUIRE_BROWSER=1 (CI), where they fail.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

export interface BrowserAvailability {
  /** The Chromium executable, or null when the browser tests cannot run here. */
  executablePath: string | null;
  /** Why they cannot (when executablePath is null). */
  reason?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    arrearsBrowser: BrowserAvailability;
  }
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DASHBOARD_DIR = join(ROOT, 'dist', 'web');
const BROWSER_TEST = /\.browser\.test\.[cm]?[jt]sx?$/;

/** The file names of the run: Vitest keeps the CLI filters on its (untyped) `filenamePattern`. */
async function runIncludesBrowserTests(project: TestProject): Promise<boolean> {
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(filters ?? []);
  return testFiles.some((f) => BROWSER_TEST.test(f));
}

function run(
  command: string,
  args: string[],
  options: { timeoutMs: number },
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { cwd: ROOT, timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout });
      },
    );
    // Progress (apt-get, vite) goes straight to the terminal.
    child.stderr?.pipe(process.stderr);
  });
}

/** scripts/ensure-chromium.mjs: the path, or why there is none. */
export async function ensureChromium(): Promise<BrowserAvailability> {
  const script = join(ROOT, 'scripts', 'ensure-chromium.mjs');
  const r = await run(process.execPath, [script], { timeoutMs: 15 * 60_000 });
  const path = r.stdout.trim().split('\n').at(-1)?.trim();
  if (r.code === 0 && path) return { executablePath: path };
  return {
    executablePath: null,
    reason:
      r.code === 2
        ? 'Chromium is not installed and cannot be installed here (see the message above)'
        : `installing Chromium failed (scripts/ensure-chromium.mjs exited with ${r.code})`,
  };
}

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Builds dist/web when it is missing or older than web/ (the tests must see the sources). */
export async function ensureDashboardBuilt(): Promise<void> {
  const index = join(DASHBOARD_DIR, 'index.html');
  if (existsSync(index)) {
    const built = statSync(index).mtimeMs;
    const sources = ['src', 'index.html', 'vite.config.ts'].map((p) => join(ROOT, 'web', p));
    if (sources.every((p) => !existsSync(p) || newestMtime(p) <= built)) return;
  }
  process.stderr.write('browser tests: building the dashboard (vite build) into dist/web\n');
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = await run(
    process.execPath,
    [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    { timeoutMs: 5 * 60_000 },
  );
  if (r.code !== 0 || !existsSync(index))
    throw new Error(`vite build --config web/vite.config.ts failed (exit ${r.code})`);
}

/** Chromium and the built dashboard, as the browser tests need them. */
export async function prepareBrowserSuite(): Promise<BrowserAvailability> {
  const chromium = await ensureChromium();
  if (!chromium.executablePath) {
    const required = process.env.ARREARS_REQUIRE_BROWSER === '1';
    process.stderr.write(
      `browser tests: ${required ? 'FAILING' : 'skipped'}: ${chromium.reason}` +
        `${required ? ' (ARREARS_REQUIRE_BROWSER=1)' : '; set ARREARS_REQUIRE_BROWSER=1 to fail instead'}\n`,
    );
    return chromium;
  }
  await ensureDashboardBuilt();
  return chromium;
}

export default async function setup(project: TestProject): Promise<void> {
  if (!(await runIncludesBrowserTests(project))) return;
  project.provide('arrearsBrowser', await prepareBrowserSuite());
}

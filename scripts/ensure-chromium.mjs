#!/usr/bin/env node
/**
 * Makes sure Debian's Chromium is there for the browser tests (web/e2e) and prints its path.
 *
 *   node scripts/ensure-chromium.mjs            # find it, or install it (root + apt-get)
 *   node scripts/ensure-chromium.mjs --check    # find it, never install
 *
 * The browser is `$ARREARS_CHROMIUM` when that is set (it must exist), else /usr/bin/chromium.
 * When it is missing and the script runs as root on a system with apt-get, it runs
 * `apt-get update && apt-get install -y --no-install-recommends chromium` (non-interactive).
 *
 * stdout: the executable's path, alone on one line (what callers read). Everything else
 * (apt-get's output, explanations) goes to stderr. Exit status: 0 found or installed;
 * 1 the installation failed; 2 missing and this script cannot install it here (not root,
 * no apt-get, `--check`, or `$ARREARS_CHROMIUM` names no file).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import process from 'node:process';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';

const HOW_TO_INSTALL =
  'Install it with `sudo apt-get install --no-install-recommends chromium` (Debian / Ubuntu),\n' +
  'or point ARREARS_CHROMIUM at a Chromium or Chrome executable.';

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => executable(join(dir, command)));
}

function say(text) {
  process.stderr.write(`ensure-chromium: ${text}\n`);
}

function run(command, args) {
  say(`${command} ${args.join(' ')}`);
  // apt-get's progress goes to our stderr: stdout carries only the path.
  const r = spawnSync(command, args, {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error) return `${command} could not start: ${r.error.message}`;
  if (r.status !== 0) return `${command} exited with ${r.status ?? r.signal}`;
  return undefined;
}

function main(argv) {
  const checkOnly = argv.includes('--check');
  const wanted = process.env.ARREARS_CHROMIUM?.trim();
  if (wanted) {
    if (executable(wanted)) return found(wanted);
    say(`ARREARS_CHROMIUM is ${wanted}, which is not an executable file.\n${HOW_TO_INSTALL}`);
    return 2;
  }
  if (executable(DEFAULT_CHROMIUM)) return found(DEFAULT_CHROMIUM);

  const why = checkOnly
    ? '--check was given'
    : typeof process.getuid !== 'function' || process.getuid() !== 0
      ? 'this script is not running as root'
      : !onPath('apt-get')
        ? 'apt-get is not available'
        : undefined;
  if (why) {
    say(
      `${DEFAULT_CHROMIUM} is missing and ${why}, so it is not installed here.\n${HOW_TO_INSTALL}`,
    );
    return 2;
  }

  say(`${DEFAULT_CHROMIUM} is missing: installing Debian's chromium package`);
  const failed =
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update']) ??
    run('apt-get', [
      '-o',
      'DPkg::Lock::Timeout=300',
      'install',
      '-y',
      '--no-install-recommends',
      'chromium',
    ]);
  if (failed || !executable(DEFAULT_CHROMIUM)) {
    say(
      `installing chromium failed (${failed ?? `${DEFAULT_CHROMIUM} is still missing`}).\n${HOW_TO_INSTALL}`,
    );
    return 1;
  }
  return found(DEFAULT_CHROMIUM);
}

function found(path) {
  process.stdout.write(`${path}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));

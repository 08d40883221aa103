/** Reading input files for commands: paths resolve against the command's working directory. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '../domain/errors.js';
import type { CliContext } from './context.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The UTF-8 text of `path` (relative to `ctx.cwd`; `-` reads standard input). A file that
 * is missing, a directory or unreadable is invalid input (exit 2) naming the file.
 */
export async function readInputFile(path: string, ctx: CliContext): Promise<string> {
  if (path === '-') return readStdin();
  const absolute = resolve(ctx.cwd, path);
  try {
    return await readFile(absolute, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `file not found (looked for ${absolute}); check the path and the current directory`
        : code === 'EISDIR'
          ? `${absolute} is a directory, not a file; name the file inside it`
          : code === 'EACCES' || code === 'EPERM'
            ? `cannot read ${absolute}: permission denied; check the file's permissions`
            : undefined;
    if (message === undefined) throw e;
    throw new InputError([{ file: path, path: '', message }]);
  }
}

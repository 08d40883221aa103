/**
 * What the CLI says when the SQLite file itself refuses a write: read-only (file
 * permissions, a read-only mount) or full (no space left, or a page limit). SQLite's own
 * words ("attempt to write a readonly database", "database or disk is full") name neither
 * the file nor the fix, so the command's database is found again from `--db` /
 * `ARREARS_DB` / the default and named with what to do. Other errors are left alone.
 */
import { parseDbUrl, resolveDbUrl } from '../storage/database.js';
import type { CliContext } from './context.js';

/** SQLite result codes (better-sqlite3 `SqliteError.code`) on the error or its causes. */
function sqliteCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The SQLite file a command works on, or undefined when it works on PostgreSQL. */
export function sqliteFileOf(argv: readonly string[], ctx: Pick<CliContext, 'env' | 'cwd'>) {
  let flag: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--db') flag = argv[i + 1];
    else if (arg.startsWith('--db=')) flag = arg.slice('--db='.length);
  }
  try {
    const target = parseDbUrl(resolveDbUrl(flag, ctx.env), ctx.cwd);
    return target.dialect === 'sqlite' && target.path !== ':memory:' ? target.path : undefined;
  } catch {
    return undefined;
  }
}

/** The message for a read-only or full SQLite file, else undefined. */
export function explainStorageError(error: unknown, file: string | undefined): string | undefined {
  const code = sqliteCode(error);
  if (code === undefined) return undefined;
  const where = file ?? 'the SQLite database';
  if (code.startsWith('SQLITE_READONLY'))
    // SQLite gives the -wal and -shm files it creates the database file's permissions.
    return (
      `cannot write to ${where}: it is read-only for this user (the file, its -wal and -shm ` +
      'files, or its folder); nothing was written. Make them writable by the user running ' +
      `arrears (e.g. chmod u+w ${file ?? 'FILE'}*), or point --db / ARREARS_DB at a writable copy.`
    );
  if (code === 'SQLITE_FULL')
    return (
      `${where} is full: no space is left on its disk; the write in progress was rolled back. ` +
      'Free some space (or move the database and point --db / ARREARS_DB at it), then run the command again.'
    );
  return undefined;
}

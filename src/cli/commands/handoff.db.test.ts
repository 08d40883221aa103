/**
 * `arrears handoff` on SQLite and PostgreSQL: steps recorded as audit entries of the lease,
 * refused out of order, and the history printed. (Registered here directly: the command is
 * not in commands/index.ts yet.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { cliAgainst } from '../../../test/support/cli.js';
import { samplePortfolioValue } from '../../domain/documents/testing.js';
import { auditLogRepo } from '../../storage/repos/audit-log-repo.js';
import type { CliContext } from '../context.js';
import { registerHandoff } from './handoff.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-handoff-'));
  writeFileSync(join(dir, 'portfolio.json'), JSON.stringify(samplePortfolioValue()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

forEachDialect('arrears handoff', (h) => {
  const { ok } = cliAgainst(() => ({ cwd: dir, db: h.url }));

  async function handoff(...argv: string[]) {
    let out = '';
    const ctx: CliContext = {
      stdout: (s) => {
        out += s;
      },
      stderr: () => {},
      env: { ARREARS_USER: 'paralegal@arroyostorage.example' },
      cwd: dir,
      exitCode: 0,
    };
    const program = new Command('arrears').exitOverride();
    registerHandoff(program, ctx);
    await program.parseAsync(['handoff', ...argv, '--db', h.url], { from: 'user' });
    return out;
  }

  it('sets up: the portfolio', async () => {
    await ok('import', 'portfolio.json');
  });

  it('records sent, then acknowledged with a note, as audit entries of the lease', async () => {
    expect(await handoff('S-1', '--status', 'sent')).toContain(
      'hand-off of lease S-1: none → sent',
    );
    const out = await handoff(
      'S-1',
      '--status',
      'acknowledged',
      '--note',
      'received by Ms. Rivera',
    );
    expect(out).toContain('sent → acknowledged');
    expect(out).toContain('received by Ms. Rivera');
    const db = await h.openMigrated();
    try {
      const entries = await auditLogRepo(db).list('default', {
        order: 'asc',
        limit: 10,
        subject: 'lease:S-1',
        type: 'handoff.status',
      });
      expect(entries.map((e) => [e.actor, e.data])).toEqual([
        ['user:paralegal@arroyostorage.example', { status: 'sent', from: null, note: null }],
        [
          'user:paralegal@arroyostorage.example',
          { status: 'acknowledged', from: 'sent', note: 'received by Ms. Rivera' },
        ],
      ]);
      expect(await auditLogRepo(db).verify('default')).toMatchObject({ ok: true });
    } finally {
      await db.close();
    }
  });

  it('refuses a step out of order and an unknown lease; prints the history', async () => {
    await expect(handoff('S-1', '--status', 'prepared')).rejects.toThrow(
      'it can become filed or returned',
    );
    await expect(handoff('S-404', '--status', 'sent')).rejects.toThrow('no lease has id');
    const history = JSON.parse(await handoff('S-1', '--json')) as { history: unknown[] };
    expect(history.history).toHaveLength(2);
  });
});

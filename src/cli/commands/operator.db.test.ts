/**
 * `arrears edit`, `resolve`, `user token` and `erase` end to end through the CLI, on SQLite
 * and PostgreSQL, from a real import and scan of the shipped storage example. The tests of a
 * suite share its database, in order.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { fixedClock } from '../../app/ports/clock.js';
import { iso, newItem, T0 } from '../../outbox/testing.js';
import type { Db } from '../../storage/database.js';
import { authenticateApiToken, hashApiToken } from '../../storage/repos/api-tokens-repo.js';
import { readChain } from '../../storage/repos/audit-repo.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { TABLES } from '../../storage/schema.js';
import { main } from '../index.js';

const EXAMPLES = resolve(import.meta.dirname, '../../../examples');
const DEREK = (
  JSON.parse(readFileSync(join(EXAMPLES, 'portfolios/storage-ca.json'), 'utf8')) as {
    tenants: { id: string; name: string; email: string; phone: string; address: string }[];
  }
).tenants.find((t) => t.id === 'T-108')!;
const SMS_DRAFT = 'S-104:1:late-fee:late-notice';
const FEE_DRAFT = 'S-104:1:late-fee:fee';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-operator-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

forEachDialect('arrears edit / resolve / user token / erase', (h) => {
  async function run(argv: string[], env: Record<string, string | undefined> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await main([...argv, '--db', h.url], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env,
      cwd: dir,
    });
    return { code, stdout, stderr };
  }
  const json = async (argv: string[], env: Record<string, string | undefined> = {}) => {
    const r = await run([...argv, '--json'], env);
    if (r.code !== 0) throw new Error(`arrears ${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  let db: Db;
  const chain = () => readChain(db, 'default');
  /** Every row of every table (but document bytes), for a search. */
  async function everything(): Promise<string> {
    const parts: string[] = [];
    for (const table of TABLES)
      if (table !== 'documents')
        parts.push(JSON.stringify(await db.kysely.selectFrom(table).selectAll().execute()));
    return parts.join('\n');
  }

  it('sets up: a policy, the storage portfolio, a scan that queues drafts, three users', async () => {
    expect((await run(['policy', 'apply', join(EXAMPLES, 'policies/storage-ca.yaml')])).code).toBe(
      0,
    );
    expect((await run(['import', join(EXAMPLES, 'portfolios/storage-ca.json')])).code).toBe(0);
    const scan = await json(['scan', '--at', '2026-10-20T23:00:00Z']);
    expect(Object.keys(scan)).toEqual(
      expect.arrayContaining(['evaluated', 'queued', 'skipped', 'cancelled']),
    );
    for (const [email, role] of [
      ['boss@example.com', 'admin'],
      ['ann@example.com', 'manager'],
      ['aud@example.com', 'auditor'],
    ])
      expect((await run(['user', 'add', email!, '--role', role!])).code).toBe(0);
    db = await h.open();
  });

  it('edit: a new version of the draft, audited with the reason; approved goes back to draft', async () => {
    writeFileSync(join(dir, 'body.txt'), 'Hola, su pago de renta está atrasado.\n');
    const r = await run(
      ['edit', SMS_DRAFT, '--body-file', 'body.txt', '--reason', 'tenant reads Spanish'],
      { ARREARS_USER: 'ann@example.com' },
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      `edited ${SMS_DRAFT} (ann@example.com): version 2, draft; it needs approval again (\`arrears approve ${SMS_DRAFT}\`)\n`,
    );
    const item = await createOutboxRepo(db).get('default', SMS_DRAFT);
    expect(item).toMatchObject({
      version: 2,
      payload: { body: 'Hola, su pago de renta está atrasado.' },
    });
    const edited = (await chain()).filter((e) => e.type === 'outbox.edited').at(-1)!;
    expect(edited).toMatchObject({
      subject: `outbox:${SMS_DRAFT}`,
      data: {
        version: 2,
        previousVersion: 1,
        reason: 'tenant reads Spanish',
        approvalsReset: true,
      },
    });
    expect(JSON.stringify(edited.data)).not.toContain('Hola');

    expect((await run(['approve', SMS_DRAFT])).code).toBe(0);
    const same = await json(['edit', SMS_DRAFT, '--body-file', 'body.txt', '--reason', 'again']);
    expect(same).toMatchObject({ key: SMS_DRAFT, status: 'approved', version: 2, changed: false });
    writeFileSync(join(dir, 'body2.txt'), 'Hola otra vez.');
    const back = await json(['edit', SMS_DRAFT, '--body-file', 'body2.txt', '--reason', 'typo']);
    expect(back).toMatchObject({
      key: SMS_DRAFT,
      status: 'draft',
      reason: 'edited',
      version: 3,
      changed: true,
    });
  });

  it('edit: what cannot be edited, and by whom, is refused with the fix', async () => {
    const cases: [string[], number, string][] = [
      [['edit', SMS_DRAFT, '--body-file', 'body.txt'], 2, "required option '--reason <reason>'"],
      [
        ['edit', SMS_DRAFT, '--reason', 'r'],
        2,
        'say what changes: --subject S and/or --body-file F',
      ],
      [
        ['edit', SMS_DRAFT, '--subject', 'Hi', '--reason', 'r'],
        2,
        'goes by sms, which has no subject',
      ],
      [
        ['edit', FEE_DRAFT, '--body-file', 'body.txt', '--reason', 'r'],
        2,
        'fee items have no text',
      ],
      [['edit', 'NOPE', '--body-file', 'body.txt', '--reason', 'r'], 2, 'NOPE: no outbox item'],
      [['edit', SMS_DRAFT, '--body-file', 'missing.txt', '--reason', 'r'], 2, 'file not found'],
      [
        ['edit', SMS_DRAFT, '--body-file', 'body2.txt', '--reason', 'r', '--as', 'aud@example.com'],
        1,
        'aud@example.com is an auditor, who may not edit outbox items',
      ],
    ];
    for (const [argv, code, message] of cases) {
      const r = await run(argv);
      expect([argv.join(' '), r.code]).toEqual([argv.join(' '), code]);
      expect(r.stderr).toContain(message);
    }
  });

  it('resolve: unknown items become sent, failed, approved or cancelled, with who and why', async () => {
    // A non-idempotent provider's worker died mid-send: four items whose outcome is unknown.
    const repo = createOutboxRepo(db, fixedClock(T0));
    const keys = ['U-1', 'U-2', 'U-3', 'U-4'];
    await db.transaction((trx) =>
      repo.insertItems(
        trx,
        'default',
        keys.map((k) =>
          newItem(k, { leaseId: 'S-101', approvalsRequired: 0, channel: 'email', method: 'email' }),
        ),
        'system:scan',
      ),
    );
    const claimed = await repo.claimDue('default', 'dead', iso(T0), 100, 10_000);
    for (const c of claimed.claimed)
      await repo.beginSend('default', c.key, 'dead', 'smtp', iso(T0), 10_000);
    await repo.claimDue('default', 'w2', iso(T0 + 20_000), 100, 10_000);
    for (const k of keys) expect((await repo.get('default', k))!.status).toBe('unknown');
    const unknown = (await json(['outbox', '--status', 'unknown'])) as { items: { key: string }[] };
    expect(unknown.items.map((i) => i.key)).toEqual(expect.arrayContaining(keys));

    const r = await run(['resolve', 'U-1', '--outcome', 'sent', '--reason', 'SMTP log: 250 OK']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('U-1: recorded as sent (unknown → sent, boss@example.com)\n');
    expect(
      await json(['resolve', 'U-2', '--outcome', 'failed', '--reason', 'bounced'], {
        ARREARS_USER: 'ann@example.com',
      }),
    ).toMatchObject({ key: 'U-2', status: 'failed', reason: 'bounced', resolution: 'failed' });
    expect(
      await json(['resolve', 'U-3', '--outcome', 'resend', '--reason', 'never left']),
    ).toMatchObject({ key: 'U-3', status: 'approved', resolution: 'resend' });
    expect(
      await json(['resolve', 'U-4', '--outcome', 'cancel', '--reason', 'tenant paid']),
    ).toMatchObject({ key: 'U-4', status: 'cancelled' });
    const entry = (await chain()).filter((e) => e.subject === 'outbox:U-2').at(-1)!;
    expect(entry).toMatchObject({
      type: 'outbox.failed',
      data: {
        from: 'unknown',
        to: 'failed',
        reason: 'bounced',
        resolution: 'failed',
        role: 'manager',
      },
    });
    const ann = await db.kysely
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'ann@example.com')
      .executeTakeFirstOrThrow();
    expect(entry.actor).toBe(`user:${ann.id}`);
  });

  it('resolve: anything but an unknown item, or bad input, is refused naming what is wrong', async () => {
    const cases: [string[], number, string][] = [
      [
        ['resolve', 'U-1', '--outcome', 'failed', '--reason', 'r'],
        1,
        'U-1 is sent, not unknown; only an item whose outcome is unknown can be resolved',
      ],
      [['resolve', SMS_DRAFT, '--outcome', 'sent', '--reason', 'r'], 1, `${SMS_DRAFT} is draft`],
      [['resolve', 'U-1', '--outcome', 'maybe', '--reason', 'r'], 2, '`maybe` is not an outcome'],
      [['resolve', 'U-1', '--outcome', 'sent'], 2, "required option '--reason <reason>'"],
      [['resolve', 'NOPE', '--outcome', 'sent', '--reason', 'r'], 2, 'no outbox item NOPE'],
      [
        ['resolve', 'U-1', '--outcome', 'sent', '--reason', 'r', '--as', 'aud@example.com'],
        1,
        'may not resolve outbox items',
      ],
    ];
    for (const [argv, code, message] of cases) {
      const r = await run(argv);
      expect([argv.join(' '), r.code]).toEqual([argv.join(' '), code]);
      expect(r.stderr).toContain(message);
    }
  });

  let sha: string;
  it('user token: printed once on stdout with a warning on stderr; only its sha256 is kept', async () => {
    const r = await run(['user', 'token', 'ann@example.com']);
    expect(r.code).toBe(0);
    const token = r.stdout.trimEnd();
    expect(r.stdout).toBe(`${token}\n`);
    expect(token).toMatch(/^arr_[A-Za-z0-9_-]{43}$/);
    sha = hashApiToken(token);
    expect(r.stderr).toContain('warning: this token is shown only once');
    expect(r.stderr).toContain(`arrears user token ann@example.com --revoke ${sha}`);
    expect(r.stderr).not.toContain(token);
    const auth = await authenticateApiToken(db, token);
    expect(auth).toMatchObject({
      ok: true,
      principal: { email: 'ann@example.com', role: 'manager' },
    });
    const issued = (await chain()).filter((e) => e.type === 'api_token.issued').at(-1)!;
    expect(issued.data).toMatchObject({ tokenSha256: sha });
    expect(await everything()).not.toContain(token);

    const mine = await json(['user', 'token', 'ann@example.com'], {
      ARREARS_USER: 'ann@example.com',
    });
    expect(mine).toMatchObject({ user: { email: 'ann@example.com', role: 'manager' } });
    expect(mine.sha256).toBe(hashApiToken(mine.token as string));
    // Revoking one's own token by holding it; a manager may not act on others' tokens.
    expect(
      (
        await run(['user', 'token', 'ann@example.com', '--revoke', mine.token as string], {
          ARREARS_USER: 'ann@example.com',
        })
      ).code,
    ).toBe(0);
    const other = await run(['user', 'token', 'boss@example.com', '--as', 'ann@example.com']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('who may manage only their own API tokens');
  });

  it('user token --revoke: the token stops working; audited; bad input exits 2', async () => {
    const byManager = await run(['user', 'token', 'ann@example.com', '--revoke', sha], {
      ARREARS_USER: 'ann@example.com',
    });
    expect(byManager.code).toBe(1);
    expect(byManager.stderr).toContain('only an admin may revoke a token by its sha256');
    const r = await run(['user', 'token', 'ann@example.com', '--revoke', sha]);
    expect(r).toMatchObject({ code: 0, stdout: `revoked token ${sha} of ann@example.com\n` });
    const revoked = (await chain()).filter((e) => e.type === 'api_token.revoked').at(-1)!;
    expect(revoked.data).toMatchObject({ tokenSha256: sha, ownerChecked: false });
    const again = await run(['user', 'token', 'ann@example.com', '--revoke', sha]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no active token with that sha256');
    const bad = await run(['user', 'token', 'ann@example.com', '--revoke', 'arr-not-a-token']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('arr-not-a-token');
    const nobody = await run(['user', 'token', 'nobody@example.com']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('no user nobody@example.com');
  });

  it('erase: admins only; the tenant is gone from every table, the audit chain verifies', async () => {
    const needles = [DEREK.name, DEREK.email, DEREK.phone, DEREK.address];
    const before = await everything();
    for (const needle of needles) expect(before).toContain(needle);
    const ledger = () =>
      db.kysely
        .selectFrom('ledger_entries')
        .select(['id', 'amount_cents'])
        .where('lease_id', '=', 'S-108')
        .orderBy('id')
        .execute();
    const amounts = await ledger();

    const refused = await run(['erase', 'T-108', '--reason', 'request 18'], {
      ARREARS_USER: 'ann@example.com',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('only an admin may erase');
    expect((await run(['erase', 'T-999', '--reason', 'request 18'])).code).toBe(2);
    const named = await run(['erase', 'T-108', '--reason', `${DEREK.name} wrote to us`]);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('the reason names the tenant');

    const r = await json(['erase', 'T-108', '--reason', 'erasure request 18']);
    expect(r).toMatchObject({ tenantId: 'T-108', leaseIds: ['S-108'], blanked: { tenants: 1 } });
    const after = await everything();
    for (const needle of needles) expect(after).not.toContain(needle);
    expect(await ledger()).toEqual(amounts);
    const verify = await run(['audit', 'verify']);
    expect(verify).toMatchObject({ code: 0 });
    expect(verify.stdout).toContain('audit chain intact');

    const text = await run(['erase', 'T-108', '--reason', 'erasure request 18']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('erased tenant T-108 (boss@example.com)');
    expect((await run(['audit', 'verify'])).code).toBe(0);
  });

  it('scan --json still prints its four counts', async () => {
    const scan = await json(['scan', '--at', '2026-11-10T23:00:00Z']);
    expect(Object.keys(scan)).toEqual(
      expect.arrayContaining(['evaluated', 'queued', 'skipped', 'cancelled']),
    );
    expect((await run(['audit', 'verify'])).code).toBe(0);
  });
});

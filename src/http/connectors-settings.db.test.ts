/**
 * The connectors API reads connector settings as `arrears connectors list / test` do (SPEC
 * 11): the environment first, then the settings `arrears connectors set` stored encrypted
 * for the caller's organisation — read on each request, so a setting stored while the
 * server runs shows at once. Never a value: only where each setting came from.
 *
 * The signed-webhook connector is tested against the local receiver, which refuses any
 * request not signed with the secret it was started with: a passing `test` proves which
 * secret the server used.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../app/ports/clock.js';
import { seal, SECRETS_KEY_ENV } from '../connectors/secret-box.js';
import {
  startWebhookReceiver,
  type WebhookReceiverFake,
} from '../connectors/webhook/fake-server.js';
import type { Runtime } from '../main.js';
import type { Db } from '../storage/database.js';
import { issueApiToken } from '../storage/repos/api-tokens-repo.js';
import { connectorSettingsRepo } from '../storage/repos/connector-settings-repo.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { createUsersRepo } from '../storage/repos/users-repo.js';
import { forEachDialect } from '../../test/support/databases.js';
import { serveApp } from '../../test/security/two-organisations.js';

const SECRET = 'whsec_stored-only-4711';
const KEY = randomBytes(32);

interface Row {
  id: string;
  configured: boolean;
  missing: string[];
  sources: Record<string, string>;
}

forEachDialect('connectors API with settings stored in the database', (h) => {
  let db: Db;
  let receiver: WebhookReceiverFake;
  const apps: FastifyInstance[] = [];
  const tokens: Record<string, string> = {};
  const now = () => new Date().toISOString();

  /**
   * The server `arrears serve` builds with `env`, its runtime having read the store when it
   * opened (`openedEmpty`: before anything was stored).
   */
  const serve = async (env: Record<string, string>, openedEmpty = false) => {
    const rt: Runtime = {
      db,
      clock: systemClock,
      orgId: 'default',
      env: { ARREARS_LOG_LEVEL: 'silent', ...env },
      storedConnectorSettings: openedEmpty ? [] : await connectorSettingsRepo(db).list('default'),
      close: async () => undefined,
    };
    const app = await serveApp(rt);
    apps.push(app);
    return app;
  };
  const as = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });
  const webhookRow = async (app: FastifyInstance, who = 'admin') => {
    const r = await app.inject({ url: '/api/v1/connectors', headers: as(who) });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.body).not.toContain(SECRET);
    expect(r.body).not.toContain('v1:');
    return (r.json().connectors as Row[]).find((c) => c.id === 'webhook')!;
  };
  const test = (app: FastifyInstance, who = 'admin') =>
    app.inject({ method: 'POST', url: '/api/v1/connectors/webhook/test', headers: as(who) });
  const store = (orgId: string, value: string) =>
    connectorSettingsRepo(db).put(
      orgId,
      'webhook',
      'SECRET',
      seal(KEY, 'webhook:SECRET', value),
      'user:test',
      now(),
    );

  beforeAll(async () => {
    db = await h.openMigrated();
    receiver = await startWebhookReceiver(SECRET);
    await ensureOrganisation(db, { id: 'bravo', name: 'Bravo', at: now() });
    for (const orgId of ['default', 'bravo']) {
      const { user } = await createUsersRepo(db, systemClock).addUser(
        orgId,
        `admin@${orgId}.example`,
        'admin',
        'system:test',
      );
      tokens[orgId === 'default' ? 'admin' : 'bravo'] = (
        await issueApiToken(db, { orgId, userId: user.id, at: now() })
      ).token;
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await receiver?.close();
  });

  it('a secret stored while the server runs makes the connector configured, and `test` signs with it', async () => {
    const app = await serve({
      [SECRETS_KEY_ENV]: KEY.toString('hex'),
      ARREARS_WEBHOOK_BASE_URL: receiver.url,
    });
    expect(await webhookRow(app)).toMatchObject({
      configured: false,
      missing: ['ARREARS_WEBHOOK_SECRET'],
    });
    expect((await test(app)).statusCode).toBe(400);

    await store('default', SECRET);
    expect(await webhookRow(app)).toMatchObject({
      configured: true,
      missing: [],
      sources: { SECRET: 'store', BASE_URL: 'env' },
    });
    const ok = await test(app);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: 'webhook', ok: true });
    expect(ok.body).not.toContain(SECRET);
    expect(receiver.requests.length).toBeGreaterThan(0);
  });

  it('the environment overrides the stored setting', async () => {
    const app = await serve({
      [SECRETS_KEY_ENV]: KEY.toString('hex'),
      ARREARS_WEBHOOK_BASE_URL: receiver.url,
      ARREARS_WEBHOOK_SECRET: 'whsec_from-the-environment',
    });
    expect((await webhookRow(app)).sources).toMatchObject({ SECRET: 'env' });
    // The receiver knows only the stored secret: signed with the environment's, it refuses.
    const r = await test(app);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ok: false, detail: expect.stringContaining('401') });
  });

  it("each organisation sees its own stored settings, not the server's", async () => {
    const app = await serve({
      [SECRETS_KEY_ENV]: KEY.toString('hex'),
      ARREARS_WEBHOOK_BASE_URL: receiver.url,
    });
    expect(await webhookRow(app, 'bravo')).toMatchObject({ configured: false });
    expect((await test(app, 'bravo')).statusCode).toBe(400);
    await store('bravo', 'whsec_bravo-own');
    expect((await webhookRow(app, 'bravo')).sources).toMatchObject({ SECRET: 'store' });
    // Bravo's own secret is not the one the receiver knows.
    expect((await test(app, 'bravo')).json()).toMatchObject({ ok: false });
    expect((await test(app)).json()).toMatchObject({ ok: true });
  });

  it('without the key they were sealed with, the API says which key to set, as the CLI does', async () => {
    // (`arrears serve` itself refuses to start so; a server started before they were stored
    // without a key meets them here.)
    const app = await serve({ ARREARS_WEBHOOK_BASE_URL: receiver.url }, true);
    for (const r of [
      await app.inject({ url: '/api/v1/connectors', headers: as('admin') }),
      await test(app),
    ]) {
      expect(r.statusCode).toBe(400);
      expect(r.json().errors.map((e: { path: string }) => e.path)).toEqual([SECRETS_KEY_ENV]);
      expect(r.body).not.toContain(SECRET);
    }
  });
});

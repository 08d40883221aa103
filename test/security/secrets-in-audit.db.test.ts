/**
 * Secrets never enter the audit log, a table or a log line (ARCHITECTURE "Secrets never
 * enter a plan, an outbox payload, an audit entry or a log line"). An operator does what
 * puts secrets in Arrears' hands, through the CLI and the server exactly as shipped:
 *
 *   - stores RingCentral's, Twilio's, Stripe's and the signed-webhook connector's
 *     credentials with `arrears connectors set` (encrypted with ARREARS_SECRETS_KEY), and
 *     removes one with `connectors unset`;
 *   - adds users with dashboard passwords (`user add --password-file`, `user password`),
 *     issues API tokens (`user token`) and revokes one by passing the token itself;
 *   - signs in to the dashboard with a password (after a wrong guess), makes a change with
 *     the session cookie and its CSRF token, and uses an API token;
 *   - runs `connectors test ringcentral` (a token grant with the client secret and JWT);
 *   - receives RingCentral webhooks carrying the verification token in a header (one
 *     forged, one replayed).
 *
 * Then every row of every table, the whole audit log, the server's request logs and the
 * connectors' log lines are searched for each secret: none is there. What is there instead:
 * the sha256 of each token, sealed settings named by connector and setting, scrypt hashes.
 * The session's CSRF token is kept with the session (the server compares it), so it is
 * searched for in the audit log and the logs only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { serverAppFor } from '../../src/cli/commands/serve.js';
import {
  notificationHeaders,
  startRingCentralFake,
  type RingCentralFake,
} from '../../src/connectors/ringcentral/fake-server.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { openRuntime } from '../../src/main.js';
import { oakCourt } from '../support/oak-court.js';
import { runCli, workDir, type CliRun } from '../support/cli.js';
import { forEachDialect } from '../support/databases.js';
import { databaseText } from './two-organisations.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const core = () => randomBytes(12).toString('hex');
const ANA = '+14155550101';
const FROM = '+16505550188';

let fake: RingCentralFake | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await fake?.close();
  fake = undefined;
});

forEachDialect('secrets stay out of the audit log, the tables and the logs', (h) => {
  it('connector credentials, passwords, API tokens and session tokens appear only as hashes or sealed', async () => {
    const w = workDir('arrears-secrets-');
    const secret = {
      secretsKey: randomBytes(32).toString('hex'),
      rcClientSecret: `rc-client-secret-${core()}`,
      rcJwt: `eyJhbGciOiJSUzI1NiJ9.${core()}.${core()}`,
      rcWebhookToken: `vt-${core()}`,
      twilioAuthToken: `twilio-auth-${core()}`,
      stripeWebhookSecret: `whsec_${core()}`,
      webhookSecret: `hmac-${core()}`,
      adminPassword: `admin pass ${core()}`,
      clerkPassword: `clerk pass ${core()}`,
      guessedPassword: `guess ${core()}`,
      forgedToken: `vt-forged-${core()}`,
    };
    fake = await startRingCentralFake({
      clientId: 'rc-client-id',
      clientSecret: secret.rcClientSecret,
      jwt: secret.rcJwt,
      numbers: [FROM],
    });
    const env = { ARREARS_SECRETS_KEY: secret.secretsKey, ARREARS_USER: 'admin@oak.example' };
    const outputs: CliRun[] = [];
    const run = async (...argv: string[]) => {
      const r = await runCli([...argv, '--db', h.url], w.dir, env);
      expect(r.code, `arrears ${argv.join(' ')}: ${r.err}`).toBe(0);
      outputs.push(r);
      return r;
    };
    const file = (name: string, text: string) => {
      writeFileSync(join(w.dir, name), `${text}\n`);
      return name;
    };

    await run('import', w.write('oak.json', JSON.stringify(oakCourt())));
    await run(
      'user',
      'add',
      'admin@oak.example',
      '--role',
      'admin',
      '--password-file',
      file('a.txt', secret.adminPassword),
    );
    await run('user', 'add', 'clerk@oak.example', '--role', 'collections');
    await run(
      'user',
      'password',
      'clerk@oak.example',
      '--password-file',
      file('c.txt', secret.clerkPassword),
    );
    const settings: [string, string, string][] = [
      ['ringcentral', 'CLIENT_ID', 'rc-client-id'],
      ['ringcentral', 'CLIENT_SECRET', secret.rcClientSecret],
      ['ringcentral', 'JWT', secret.rcJwt],
      ['ringcentral', 'FROM', FROM],
      ['ringcentral', 'WEBHOOK_TOKEN', secret.rcWebhookToken],
      ['ringcentral', 'BASE_URL', fake.url],
      ['twilio', 'AUTH_TOKEN', secret.twilioAuthToken],
      ['stripe', 'WEBHOOK_SECRET', secret.stripeWebhookSecret],
      ['webhook', 'SECRET', secret.webhookSecret],
    ];
    for (const [id, key, value] of settings)
      await run('connectors', 'set', id, key, '--value-file', file(`${id}-${key}.txt`, value));
    await run('connectors', 'unset', 'stripe', 'WEBHOOK_SECRET');
    await run('connectors', 'list', '--json');
    // A token grant with the client secret and the JWT, against the provider's fake.
    const verify = await run('connectors', 'test', 'ringcentral', '--json');
    expect(JSON.parse(verify.out)).toMatchObject({ ok: true });

    // Tokens are printed once, on stdout, when issued: that output is the only place they show.
    const issue = async (email: string) => {
      const r = await runCli(['user', 'token', email, '--json', '--db', h.url], w.dir, env);
      expect(r.code, r.err).toBe(0);
      outputs.push({ ...r, out: '' });
      return (JSON.parse(r.out) as { token: string }).token;
    };
    const adminToken = await issue('admin@oak.example');
    const clerkToken = await issue('clerk@oak.example');
    await run('user', 'token', 'clerk@oak.example', '--revoke', clerkToken);

    // The server, as `arrears serve` runs it over the stored (sealed) settings.
    const logs: string[] = [];
    const stderr: string[] = [];
    const rt = await openRuntime({ db: h.url, env, cwd: w.dir });
    const app = await serverAppFor(rt, {
      logLevel: 'debug',
      publicUrl: undefined,
      log: (line) => logs.push(line),
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    let sessionToken: string;
    let csrfToken: string;
    try {
      const wrong = await app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: 'admin@oak.example', password: secret.guessedPassword },
      });
      expect(wrong.statusCode).toBe(401);
      const signIn = await app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: 'admin@oak.example', password: secret.adminPassword },
      });
      expect(signIn.statusCode).toBe(200);
      const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
      sessionToken = decodeURIComponent(cookie.slice(SESSION_COOKIE.length + 1));
      csrfToken = signIn.json<{ csrfToken: string }>().csrfToken;
      const change = await app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { cookie, 'x-csrf-token': csrfToken },
        payload: [{ type: 'hold', hold: 'hardship', leaseId: 'L1', date: '2026-10-06' }],
      });
      expect(change.statusCode, change.body).toBe(200);
      const bearer = { authorization: `Bearer ${adminToken}` };
      expect((await app.inject({ url: '/api/v1/me', headers: bearer })).statusCode).toBe(200);
      const added = await app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: bearer,
        payload: { email: 'auditor@oak.example', role: 'auditor' },
      });
      expect(added.statusCode).toBe(201);
      const revoked = await app.inject({
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${clerkToken}` },
      });
      expect(revoked.statusCode).toBe(401);

      const sms = await fake.receiveSms(ANA, 'I will pay on Friday', FROM);
      const post = (token: string | undefined) =>
        app.inject({
          method: 'POST',
          url: '/webhooks/ringcentral',
          headers: notificationHeaders(token),
          payload: sms.raw,
        });
      const forged = await post(secret.forgedToken);
      expect(forged.statusCode).toBe(401);
      const received = await post(secret.rcWebhookToken);
      expect(received.statusCode, received.body).toBe(200);
      expect(received.json()).toMatchObject({ received: true, duplicate: false });
      expect((await post(secret.rcWebhookToken)).json()).toMatchObject({ duplicate: true });
    } finally {
      vi.restoreAllMocks();
      await app.close();
      await rt.close();
    }

    const db = await h.open();
    const tables = await databaseText(db);
    const audit = tables.audit!;
    const everything = Object.values(tables).join('\n');
    const logged = [...logs, ...stderr].join('\n');
    const printed = outputs.map((r) => `${r.out}\n${r.err}`).join('\n');
    expect(logs.length).toBeGreaterThan(0);

    const secrets: Record<string, string> = {
      ...secret,
      adminToken,
      clerkToken,
      sessionToken,
      secretsKeyBase64: Buffer.from(secret.secretsKey, 'hex').toString('base64'),
    };
    const found: string[] = [];
    for (const [name, value] of Object.entries(secrets)) {
      // The whole value, and its last 16 characters (a truncated or prefixed copy).
      for (const needle of [value, value.slice(-16)]) {
        for (const [table, text] of Object.entries(tables))
          if (text.includes(needle)) found.push(`${name} in table ${table}`);
        if (logged.includes(needle)) found.push(`${name} in the logs`);
        if (printed.includes(needle)) found.push(`${name} in the CLI's output`);
      }
    }
    for (const where of [audit, logged])
      if (where.includes(csrfToken)) found.push('the CSRF token outside its session');
    expect([...new Set(found)]).toEqual([]);

    // What stands for them instead.
    for (const t of [adminToken, clerkToken]) {
      expect(tables.api_tokens).toContain(sha256(t));
      expect(audit).toContain(sha256(t));
    }
    expect(audit).toContain('api_token.revoked');
    expect(tables.sessions).toContain(sha256(sessionToken));
    expect(tables.users).toMatch(/scrypt\$/);
    expect(audit).toContain('user.password_set');
    expect(tables.settings).toMatch(/connector:ringcentral:CLIENT_SECRET\t"v1:/);
    expect(audit).toContain('connector.setting_stored');
    expect(audit).toContain('"setting":"WEBHOOK_TOKEN"');
    expect(audit).toContain('connector.setting_removed');
    expect(tables.replies).toContain('I will pay on Friday');
    expect(everything).toContain(sha256(adminToken));
  });
});

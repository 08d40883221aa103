/**
 * `arrears connectors`: the catalogue of SPEC 11 ids, settings stored encrypted and
 * overridden by the environment, and clear errors for unknown ids and missing keys.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, workDir } from '../../../test/support/cli.js';
import { CONNECTOR_IDS } from '../../connectors/contract.js';
import { open, seal } from '../../connectors/secret-box.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('connector secrets at rest', () => {
  it('seal and open round-trip; another setting name or key does not open it', () => {
    const key = Buffer.alloc(32, 1);
    const sealed = seal(key, 'twilio:AUTH_TOKEN', 'tok_123');
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain('tok_123');
    expect(open(key, 'twilio:AUTH_TOKEN', sealed)).toBe('tok_123');
    expect(() => open(key, 'slack:BOT_TOKEN', sealed)).toThrow(/not the one/);
    expect(() => open(Buffer.alloc(32, 2), 'twilio:AUTH_TOKEN', sealed)).toThrow(/not the one/);
  });
});

describe('arrears connectors', () => {
  it('lists every connector id of SPEC 11 with what is missing', async () => {
    const w = workDir();
    const r = await w.run('connectors', 'list', '--json');
    expect(r.code).toBe(0);
    const { connectors } = JSON.parse(r.out) as { connectors: { id: string }[] };
    expect(connectors.map((c) => c.id)).toEqual([...CONNECTOR_IDS]);
    const twilio = (JSON.parse(r.out).connectors as { id: string; missing: string[] }[]).find(
      (c) => c.id === 'twilio',
    );
    expect(twilio?.missing).toContain('ARREARS_TWILIO_ACCOUNT_SID');
  });

  it('stores a setting encrypted, lists it as configured from the store, never prints it', async () => {
    const w = workDir();
    const env = { ARREARS_SECRETS_KEY: KEY };
    w.write('token.txt', 'xoxb-secret-value\n');
    expect(
      (
        await runCli(
          ['connectors', 'set', 'slack', 'BOT_TOKEN', '--value-file', 'token.txt'],
          w.dir,
          env,
        )
      ).code,
    ).toBe(0);
    w.write('channel.txt', 'C0123');
    expect(
      (
        await runCli(
          ['connectors', 'set', 'slack', 'CHANNEL', '--value-file', 'channel.txt'],
          w.dir,
          env,
        )
      ).code,
    ).toBe(0);
    const db = readFileSync(join(w.dir, 'arrears.db'));
    expect(db.includes(Buffer.from('xoxb-secret-value'))).toBe(false);

    const listed = await runCli(['connectors', 'list', '--json'], w.dir, env);
    expect(listed.out).not.toContain('xoxb-secret-value');
    const slack = JSON.parse(listed.out).connectors.find((c: { id: string }) => c.id === 'slack');
    expect(slack).toMatchObject({
      configured: true,
      sources: { BOT_TOKEN: 'store', CHANNEL: 'store' },
    });

    // The environment overrides the store.
    const over = await runCli(['connectors', 'list', '--json'], w.dir, {
      ...env,
      ARREARS_SLACK_CHANNEL: 'C9999',
    });
    expect(
      JSON.parse(over.out).connectors.find((c: { id: string }) => c.id === 'slack').sources.CHANNEL,
    ).toBe('env');

    // Without the key the stored settings cannot be read: a clear error, exit 2.
    const nokey = await runCli(['connectors', 'list'], w.dir, {});
    expect(nokey.code).toBe(2);
    expect(nokey.err).toContain('ARREARS_SECRETS_KEY');

    expect((await runCli(['connectors', 'unset', 'slack', 'CHANNEL'], w.dir, env)).out).toContain(
      'removed',
    );
  });

  it('refuses an unknown connector or setting, naming the fix', async () => {
    const w = workDir();
    w.write('v.txt', 'x');
    const env = { ARREARS_SECRETS_KEY: KEY };
    const unknown = await runCli(
      ['connectors', 'set', 'nope', 'X', '--value-file', 'v.txt'],
      w.dir,
      env,
    );
    expect(unknown.code).toBe(2);
    const bad = await runCli(
      ['connectors', 'set', 'slack', 'PASSWORD', '--value-file', 'v.txt'],
      w.dir,
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('BOT_TOKEN');
    const test = await runCli(['connectors', 'test', 'slack'], w.dir, {});
    expect(test.code).toBe(2);
    expect(test.err).toContain('ARREARS_SLACK_BOT_TOKEN');
  });
});

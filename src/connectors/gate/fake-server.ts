/**
 * The reference implementation of the gate adapter contract (manifest.ts) for tests and the
 * demo: Bearer auth, Idempotency-Key replay, lockouts per unit, the contract's error body,
 * and signed keypad callbacks (X-Arrears-Signature, as the sandbox webhooks sign).
 */
import { createHash, randomBytes } from 'node:crypto';
import { postCallback, startFake, type FakeReply, type FakeServer } from '../fake/fake-http.js';
import { signSandboxWebhook } from '../sandbox/webhooks.js';
import type { GateEventType } from './map.js';

export interface FakeLockout {
  id: string;
  unit: string;
  leaseId: string;
  reference: string;
  status: 'locked_out';
  createdAt: string;
}

export interface GateFakeOptions {
  apiToken: string;
  /** The secret callbacks are signed with. */
  webhookSecret: string;
  /** Units the site has; others answer 404 (default: every unit exists). */
  units?: string[];
  now?: () => number;
}

export interface GateFake extends FakeServer {
  /** Current lockouts by unit. */
  lockouts: Map<string, FakeLockout>;
  /** A signed callback body and headers for `type` at `unit`. */
  event(
    type: GateEventType,
    unit: string,
    extra?: Record<string, unknown>,
  ): { raw: string; id: string; headers: Record<string, string> };
  /** Posts a signed callback to `url` (a keypad event). */
  keypad(url: string, type: GateEventType, unit: string): Promise<{ status: number; text: string }>;
}

const error = (code: string, message: string, field?: string) => ({
  error: { code, message, ...(field ? { field } : {}) },
});

export async function startGateFake(options: GateFakeOptions): Promise<GateFake> {
  const now = options.now ?? Date.now;
  const lockouts = new Map<string, FakeLockout>();
  const answered = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const units = options.units ? new Set(options.units) : undefined;
  const iso = () => new Date(now()).toISOString();

  /** Runs a write once per Idempotency-Key and repeats its answer afterwards. */
  function once(
    reply: FakeReply,
    key: string | undefined,
    fingerprint: string,
    run: () => { status: number; body: unknown },
  ) {
    if (key === undefined || key === '')
      return reply.json(400, error('idempotency_key_required', 'Idempotency-Key is required'));
    const seen = answered.get(key);
    if (seen) {
      if (seen.fingerprint !== fingerprint)
        return reply.json(
          422,
          error('idempotency_key_reused', 'this Idempotency-Key was used for another request'),
        );
      return reply.json(seen.status, seen.body, { 'idempotent-replayed': 'true' });
    }
    const result = run();
    if (result.status < 500) answered.set(key, { fingerprint, ...result });
    reply.json(result.status, result.body);
  }

  const fake = await startFake((req, reply) => {
    if (req.headers.authorization !== `Bearer ${options.apiToken}`)
      return reply.json(401, error('unauthorized', 'invalid or missing API token'));
    if (req.method === 'GET' && req.path === '/status')
      return reply.json(200, { ok: true, system: 'arrears-gate-fake' });
    const m = /^\/units\/([^/]+)(\/lockout)?$/.exec(req.path);
    if (!m) return reply.json(404, error('not_found', `no route ${req.method} ${req.path}`));
    const unit = decodeURIComponent(m[1]!);
    if (units && !units.has(unit))
      return reply.json(404, error('unit_not_found', `no unit ${unit} at this site`));
    if (!m[2]) {
      if (req.method !== 'GET') return reply.json(405, error('method_not_allowed', req.method));
      const lockout = lockouts.get(unit) ?? null;
      return reply.json(200, { unit, status: lockout ? 'locked_out' : 'active', lockout });
    }
    const key = req.headers['idempotency-key'] as string | undefined;
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${req.path}\n`)
      .update(req.raw)
      .digest('hex');
    if (req.method === 'POST')
      return once(reply, key, fingerprint, () => {
        const body = (req.json ?? {}) as Record<string, unknown>;
        for (const field of ['leaseId', 'reference'])
          if (typeof body[field] !== 'string' || body[field] === '')
            return { status: 422, body: error('missing_field', `${field} is required`, field) };
        const current = lockouts.get(unit);
        if (current) return { status: 200, body: current };
        const lockout: FakeLockout = {
          id: `lko_${randomBytes(8).toString('hex')}`,
          unit,
          leaseId: body.leaseId as string,
          reference: body.reference as string,
          status: 'locked_out',
          createdAt: iso(),
        };
        lockouts.set(unit, lockout);
        return { status: 201, body: lockout };
      });
    if (req.method === 'DELETE')
      return once(reply, key, fingerprint, () => {
        const current = lockouts.get(unit);
        lockouts.delete(unit);
        return {
          status: 200,
          body: { unit, status: 'active', lockoutId: current?.id ?? null, restoredAt: iso() },
        };
      });
    reply.json(405, error('method_not_allowed', req.method));
  });

  function event(type: GateEventType, unit: string, extra: Record<string, unknown> = {}) {
    const id = `gev_${randomBytes(8).toString('hex')}`;
    const raw = JSON.stringify({
      id,
      type,
      unit,
      occurredAt: iso(),
      credential: 'keypad',
      ...extra,
    });
    return {
      raw,
      id,
      headers: {
        'content-type': 'application/json',
        'x-arrears-signature': signSandboxWebhook(
          options.webhookSecret,
          raw,
          Math.floor(now() / 1000),
        ),
      },
    };
  }

  return Object.assign(fake, {
    lockouts,
    event,
    keypad(url: string, type: GateEventType, unit: string) {
      const e = event(type, unit);
      return postCallback(url, e.raw, e.headers);
    },
  });
}

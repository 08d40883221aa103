/**
 * The gate adapter calls (contract v1 in manifest.ts): lockout and restore of a unit, each
 * with the outbox key as Idempotency-Key, so every retry is safe.
 */
import type { OutboxItem, SendOutcome } from '../../app/ports/outbox.js';
import { createProviderHttp, type ProviderHttp } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import { gateErrorOf, lockoutBodyOf, lockoutIdOf, type GateChange } from './map.js';

export interface GateClientOptions {
  baseUrl: string;
  apiToken: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

export type GateClient = ReturnType<typeof createGateClient>;

export function createGateClient(options: GateClientOptions) {
  const http: ProviderHttp = createProviderHttp({
    baseUrl: options.baseUrl,
    auth: () => ({ authorization: `Bearer ${options.apiToken}` }),
    userAgent: 'arrears-gate/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
  });

  return {
    async apply(
      change: GateChange,
      unit: string,
      item: OutboxItem,
      idempotencyKey: string,
      signal?: AbortSignal,
    ): Promise<SendOutcome> {
      const path = `/units/${encodeURIComponent(unit)}/lockout`;
      try {
        const res = await http.request({
          method: change === 'deny' ? 'POST' : 'DELETE',
          path,
          headers: { 'Idempotency-Key': idempotencyKey },
          ...(change === 'deny' ? { json: lockoutBodyOf(item) } : {}),
          idempotent: true,
          signal,
        });
        return outcomeOfResponse(res, {
          idempotent: true,
          now: options.now(),
          // A restore of a unit that had no lockout names none: the unit is the record.
          externalId: (r) => lockoutIdOf(r.json) ?? `unit:${unit}`,
          errorOf: (r) => gateErrorOf(r.json),
        });
      } catch (error) {
        return outcomeOfError(error, true);
      }
    },
    status: (signal?: AbortSignal) =>
      http.request({ method: 'GET', path: '/status', idempotent: true, signal }),
  };
}

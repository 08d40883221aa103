/**
 * `gate`: Arrears' own contract for gate and smart-lock systems. There is no provider
 * reference: a site's access-control system (or a small adapter in front of it) implements
 * this contract, and the fake in fake-server.ts is its reference implementation.
 *
 * Arrears gate adapter contract, version 1
 * ----------------------------------------
 * Base URL  ARREARS_GATE_BASE_URL (required: there is no public default).
 * Auth      `Authorization: Bearer <ARREARS_GATE_API_TOKEN>` on every request;
 *           a missing or wrong token → 401 `{"error": {"code": "unauthorized", "message"}}`.
 * Errors    `{"error": {"code": "<snake_case>", "message": "<text>", "field"?: "<name>"}}`.
 * Limits    429 with `Retry-After` (seconds) when throttled; a 5xx means "not processed".
 *
 * Writes carry `Idempotency-Key: <outbox key>` (required → 400 `idempotency_key_required`).
 * The receiver keeps each key's answer for at least 24 hours and repeats it for the same key
 * (same status and body, header `Idempotent-Replayed: true`); the same key with another
 * method, path or body → 422 `idempotency_key_reused`.
 *
 *   POST   /units/{unit}/lockout   {"leaseId", "reference", "reason": "delinquency"}
 *          leaseId and reference (the outbox key) are required → 422 `missing_field`.
 *          201 {"id": "lko_…", "unit", "leaseId", "status": "locked_out", "createdAt"};
 *          200 with the current lockout when the unit is already locked out.
 *   DELETE /units/{unit}/lockout   (no body) lifts the lockout:
 *          200 {"unit", "status": "active", "lockoutId": "lko_…" | null, "restoredAt"};
 *          also 200 when there was no lockout (the state is already reached).
 *   GET    /units/{unit}           {"unit", "status": "active" | "locked_out", "lockout"}
 *   GET    /status                 {"ok": true, "system": "<name>"}: the credentials work.
 *   Unknown unit → 404 `unit_not_found`.
 *
 * Callbacks: `POST {ARREARS_PUBLIC_URL}/webhooks/gate`, JSON
 *   {"id": "gev_…", "type": "access.granted" | "access.denied" | "lockout.applied" |
 *    "lockout.removed", "unit", "occurredAt": ISO instant, "credential"?: "keypad" | "app" |
 *    "card", "reason"?: text}
 * signed like Arrears' own webhooks (src/connectors/sandbox/webhooks.ts):
 *   X-Arrears-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(WEBHOOK_SECRET, "<t>." + raw body)>
 * refused when older or newer than 5 minutes; deduplicated on `id`. Arrears answers 200
 * `{"received": true}` and logs the event (unit, type, credential); nothing else changes.
 */
import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'gate',
  name: 'Gate / smart-lock (generic HTTP)',
  roles: ['access'],
  docs: "Arrears gate adapter contract v1 (no provider reference: Arrears' own contract, written in src/connectors/gate/manifest.ts)",
  auth: {
    mode: 'bearer',
    description: 'Authorization: Bearer <API_TOKEN> issued by the gate system or its adapter',
  },
  // No public default: ARREARS_GATE_BASE_URL names the site's gate system or adapter.
  baseUrl: 'https://gate.invalid',
  settings: [
    {
      key: 'API_TOKEN',
      description:
        'the Bearer token the gate system (or its adapter) accepts; set ARREARS_GATE_BASE_URL to its URL too',
      secret: true,
      required: true,
    },
    {
      key: 'WEBHOOK_SECRET',
      description:
        'the HMAC-SHA256 key the gate system signs its /webhooks/gate callbacks with (unset: callbacks refused)',
      secret: true,
      required: false,
    },
  ],
  capabilities: {
    sends: ['access:gate'],
    inbound: ['actions'],
    other: [
      'gate deny → POST /units/{unit}/lockout; gate restore → DELETE /units/{unit}/lockout; Idempotency-Key = the outbox key',
      'logs keypad / app / card access granted or denied at a unit from signed callbacks',
    ],
  },
  webhook: {
    signature:
      'X-Arrears-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(WEBHOOK_SECRET, "<t>." + raw body)>; 5 minute tolerance; dedupe on the body id',
    secretSetting: 'WEBHOOK_SECRET',
  },
  rateLimit: {
    requests: 10,
    perSeconds: 1,
    note: 'a conservative default for on-site controllers; the adapter answers 429 with Retry-After',
  },
  verify: {
    method: 'GET',
    path: '/status',
    description: 'asks the gate system whether the token is accepted',
  },
  idempotency: {
    supported: true,
    description:
      'Idempotency-Key (the outbox key) on every write; the receiver repeats the first answer for a key, and lockout / restore are idempotent by state',
  },
};

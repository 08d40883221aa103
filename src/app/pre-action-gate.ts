/**
 * The pre-sale and pre-filing gates (SPEC 3.4, R13): `gateFor` gathers what the checklist
 * needs about one gated outbox item (an auction, or an escalation to legal) and runs the
 * pure `checkGate`; `attest` records what a person vouches for (address verified, military
 * status checked, a partial payment cleared, the manager's sign-off), audited.
 * approve-action.ts refuses an approval whose gate is not passed (its `gate` hook).
 */
import type { Clock } from './ports/clock.js';
import type { DocumentStore } from './ports/documents.js';
import type { OutboxItem, OutboxStore } from './ports/outbox.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { User, UserStore } from './ports/users.js';
import { assertMayDecide } from './approve-action.js';
import {
  checkGate,
  gateKindOf,
  isAttestableItem,
  ATTESTABLE_ITEMS,
  SIGNOFF_ROLES,
  type AttestableItem,
  type GateAttestation,
  type GateFacts,
  type GateNotice,
  type GateResult,
} from '../domain/gates/gate.js';
import { AppError, InputError } from '../domain/errors.js';
import { epochToLocal } from '../domain/time.js';

/** An attestation as stored: who vouched for which item of which outbox item, and why. */
export interface StoredAttestation {
  outboxKey: string;
  item: AttestableItem;
  userId: string;
  at: string;
  evidence: string;
}

/** storage/repos/gates-repo.ts implements it. */
export interface GateStore {
  attestations(orgId: string, outboxKey: string): Promise<StoredAttestation[]>;
  /**
   * Records `attestation`, replacing an earlier one of the same key and item, with its
   * audit entry (which names the one it replaces) in the same transaction.
   */
  attest(
    orgId: string,
    attestation: StoredAttestation,
    actor: { email: string; role: string },
  ): Promise<{ replaced: StoredAttestation | null }>;
}

export interface GateDeps<Tx> {
  outbox: Pick<OutboxStore<Tx>, 'get' | 'list'>;
  documents: Pick<DocumentStore<Tx>, 'proofsForLease'>;
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>;
  policies: Pick<PolicyStore, 'history'>;
  gates: GateStore;
  users: Pick<UserStore, 'getById'>;
  clock: Clock;
}

async function leaseItems<Tx>(deps: GateDeps<Tx>, orgId: string, leaseId: string) {
  const items: OutboxItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.outbox.list(orgId, {
      leaseId,
      limit: 1000,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

/**
 * The required stages before `stage` in the policy that drafted the item, and those of
 * them that serve a document (the statutory notices).
 */
async function noticeStagesBefore<Tx>(deps: GateDeps<Tx>, orgId: string, item: OutboxItem) {
  if (item.policyId === null) return { required: new Set<string>(), serving: [] as string[] };
  const versions = (await deps.policies.history(orgId)).filter(
    (p) => p.policy.id === item.policyId,
  );
  const stored =
    versions.find((p) => p.version === item.policyVersion) ??
    [...versions].sort((a, b) => b.version - a.version)[0];
  const stages = stored?.policy.stages ?? [];
  const at = stages.findIndex((s) => s.id === item.stage);
  const before = stages.slice(0, at < 0 ? stages.length : at).filter((s) => s.required === true);
  return {
    required: new Set(before.map((s) => s.id)),
    serving: before.filter((s) => s.actions.some((a) => a.type === 'document')).map((s) => s.id),
  };
}

/** The gate of one outbox item, or null when it has none (or there is no such item). */
export async function gateFor<Tx>(
  deps: GateDeps<Tx>,
  orgId: string,
  key: string,
): Promise<GateResult | null> {
  const item = await deps.outbox.get(orgId, key);
  if (!item) return null;
  const kind = gateKindOf(item);
  if (kind === null) return null;

  const slice = await deps.portfolio.loadPortfolio(orgId, [item.leaseId]);
  const lease = slice.leases.find((l) => l.id === item.leaseId);
  const property = lease && slice.properties.find((p) => p.id === lease.propertyId);
  const today = epochToLocal(deps.clock.now(), property?.timezone ?? 'UTC').date;

  const { required, serving } = await noticeStagesBefore(deps, orgId, item);
  const proofs = await deps.documents.proofsForLease(orgId, item.leaseId);
  const notices: GateNotice[] = (await leaseItems(deps, orgId, item.leaseId))
    .filter(
      (o) =>
        o.type === 'document' &&
        o.episode === item.episode &&
        o.key !== item.key &&
        required.has(o.stage),
    )
    .map((o) => ({
      key: o.key,
      stage: o.stage,
      proofs: proofs
        .filter((p) => p.outboxKey === o.key)
        .map((p) => ({
          id: p.id,
          status: p.status,
          servedOn: p.servedOn,
          trackingNumber: p.trackingNumber,
          deadline: typeof p.data?.deadline === 'string' ? p.data.deadline : null,
        })),
    }));

  const reversed = new Set(
    slice.ledger.filter((e) => e.type === 'reversal').map((e) => e.reverses),
  );
  const payments = slice.ledger
    .filter((e) => e.leaseId === item.leaseId && e.type === 'payment' && !reversed.has(e.id))
    .map((e) => ({ id: e.id, date: e.date, amountCents: e.amountCents }));

  const attestations: GateAttestation[] = [];
  for (const a of await deps.gates.attestations(orgId, key)) {
    const user = await deps.users.getById(orgId, a.userId);
    attestations.push({
      item: a.item,
      userId: a.userId,
      email: user?.email ?? null,
      // A user since removed vouches for nothing.
      role: user?.role ?? 'none',
      at: a.at,
      evidence: a.evidence,
    });
  }

  const tenantIds = lease?.tenantIds ?? [];
  const facts: GateFacts = {
    kind,
    key,
    today,
    lease: lease
      ? {
          id: lease.id,
          status: lease.status,
          endDate: lease.endDate,
          tenantIds: lease.tenantIds,
        }
      : null,
    tenants: slice.tenants
      .filter((t) => tenantIds.includes(t.id))
      .map((t) => ({ id: t.id, military: t.military })),
    noticeStages: serving,
    notices,
    payments,
    attestations,
  };
  return checkGate(facts);
}

export interface AttestResult {
  attestation: StoredAttestation;
  replaced: StoredAttestation | null;
}

/**
 * Records `user`'s attestation of `item` for the gated item `key`. Only approver roles may
 * attest; `manager_signoff` only a manager or an admin. The evidence is required.
 */
export async function attest<Tx>(
  deps: GateDeps<Tx>,
  orgId: string,
  user: User,
  key: string,
  item: string,
  evidence: string,
): Promise<AttestResult> {
  if (!isAttestableItem(item))
    throw new InputError([
      {
        path: '--item',
        message: `\`${item}\` cannot be attested; one of ${ATTESTABLE_ITEMS.join(', ')}`,
      },
    ]);
  const text = evidence.trim();
  if (text === '')
    throw new InputError([
      {
        path: '--evidence',
        message: 'say what the attestation rests on (a report number, a document, a call)',
      },
    ]);
  assertMayDecide(user, 'attest gate items of');
  if (item === 'manager_signoff' && !(SIGNOFF_ROLES as readonly string[]).includes(user.role))
    throw new AppError(
      'forbidden',
      `${user.email} is ${/^[aeiou]/.test(user.role) ? 'an' : 'a'} ${user.role}; only a manager or an admin may sign off`,
    );
  const outboxItem = await deps.outbox.get(orgId, key);
  if (!outboxItem)
    throw new AppError(
      'not_found',
      `no outbox item ${key}; \`arrears queue\` lists the drafts awaiting approval`,
    );
  if (gateKindOf(outboxItem) === null)
    throw new AppError(
      'conflict',
      `${key} is a ${outboxItem.type} item; only auctions and escalations to legal have a gate`,
    );
  const attestation: StoredAttestation = {
    outboxKey: key,
    item,
    userId: user.id,
    at: new Date(deps.clock.now()).toISOString(),
    evidence: text,
  };
  const { replaced } = await deps.gates.attest(orgId, attestation, {
    email: user.email,
    role: user.role,
  });
  return { attestation, replaced };
}

/**
 * The pre-sale and pre-filing gates (SPEC 3.4 `auction` "with a pre-sale checklist gate",
 * `escalate` to legal; R13 "the pre-sale / pre-filing gates wait"). Before an auction or an
 * eviction filing may be approved, every item of the checklist is checked and its evidence
 * attached; the result names, in one plain sentence each, what is missing.
 *
 * Pure: app/pre-action-gate.ts gathers the facts (the outbox item, the lease's statutory
 * notices and their proofs of service, the ledger's payments, the attestations people
 * recorded) and the date; this module only decides.
 */
import type { LocalDate } from '../dates.js';

/** What a gate guards. */
export type GateKind = 'auction' | 'eviction_filing';

export const GATE_ITEMS = [
  'lease_valid',
  'address_verified',
  'notices_served',
  'periods_elapsed',
  'no_partial_payment',
  'military_checked',
  'manager_signoff',
] as const;
export type GateItem = (typeof GATE_ITEMS)[number];

/** What a person may attest (`arrears gate attest KEY --item ITEM --evidence TEXT`). */
export const ATTESTABLE_ITEMS = [
  'address_verified',
  'partial_payment_cleared',
  'military_checked',
  'manager_signoff',
] as const;
export type AttestableItem = (typeof ATTESTABLE_ITEMS)[number];

export function isAttestableItem(value: string): value is AttestableItem {
  return (ATTESTABLE_ITEMS as readonly string[]).includes(value);
}

/** Roles whose sign-off counts as the manager's. */
export const SIGNOFF_ROLES = ['manager', 'admin'] as const;

/**
 * Which outbox items are gated: `auction` items, and `escalate` items handing the case to
 * `legal` (an eviction filing). Everything else has no gate (null).
 */
export function gateKindOf(item: {
  type: string;
  payload: Readonly<Record<string, unknown>>;
}): GateKind | null {
  if (item.type === 'auction') return 'auction';
  if (item.type === 'escalate' && item.payload.to === 'legal') return 'eviction_filing';
  return null;
}

/** One mailing of a statutory notice, as the gate reads it. */
export interface GateProof {
  id: string;
  /** `mailed`, then the latest carrier event (domain/documents/proof.ts `ProofEventType`). */
  status: string;
  servedOn: LocalDate | null;
  trackingNumber: string | null;
  /** The notice's deadline as mailed (from the jurisdiction pack), when it has one. */
  deadline: LocalDate | null;
}

/** One delivery (outbox item) of a statutory notice and its mailings. */
export interface GateNotice {
  key: string;
  stage: string;
  proofs: GateProof[];
}

/** A person's attestation of one item, with the role they hold. */
export interface GateAttestation {
  item: string;
  userId: string;
  email: string | null;
  role: string;
  at: string;
  evidence: string;
}

export interface GateFacts {
  kind: GateKind;
  /** The gated outbox item. */
  key: string;
  /** Local date at the property. */
  today: LocalDate;
  /** The lease as on file; null when it is not. */
  lease: {
    id: string;
    status?: string | undefined;
    endDate?: LocalDate | undefined;
    tenantIds: readonly string[];
  } | null;
  tenants: readonly { id: string; military?: boolean | undefined }[];
  /** Stages of the policy before this one that are `required` and serve a document. */
  noticeStages: readonly string[];
  /** Every document delivery of those stages, same lease and episode. */
  notices: readonly GateNotice[];
  /** Payments on the lease's ledger (reversed ones left out by the caller or not). */
  payments: readonly { id: string; date: LocalDate; amountCents: number }[];
  attestations: readonly GateAttestation[];
}

export interface GateItemResult {
  item: GateItem;
  ok: boolean;
  /** One plain sentence: what was found, or what is missing. */
  detail: string;
  /** What it rests on: proof ids and tracking numbers, attestations, dates. */
  evidence: string[];
}

export interface GateResult {
  kind: GateKind;
  key: string;
  ok: boolean;
  items: GateItemResult[];
  /** One sentence per item that fails, in checklist order. */
  missing: string[];
}

/** Lease statuses that mean the lease is no longer in force. */
const ENDED_STATUSES = new Set([
  'ended',
  'closed',
  'terminated',
  'moved_out',
  'vacated',
  'inactive',
  'cancelled',
]);

const KIND_NAME: Record<GateKind, string> = { auction: 'the sale', eviction_filing: 'the filing' };

function attestationOf(facts: GateFacts, item: AttestableItem): GateAttestation | undefined {
  return facts.attestations.find((a) => a.item === item && a.evidence.trim() !== '');
}

function attestEvidence(a: GateAttestation): string {
  return `${a.evidence.trim()} (attested by ${a.email ?? `user ${a.userId}`}, ${a.role}, ${a.at})`;
}

const result = (item: GateItem, ok: boolean, detail: string, evidence: string[] = []) => ({
  item,
  ok,
  detail,
  evidence,
});

function leaseValid(f: GateFacts): GateItemResult {
  const lease = f.lease;
  if (!lease) return result('lease_valid', false, `Lease: no lease is on file for ${f.key}.`);
  const evidence = [`lease ${lease.id}`];
  if (lease.status !== undefined && ENDED_STATUSES.has(lease.status.toLowerCase()))
    return result('lease_valid', false, `Lease: lease ${lease.id} is ${lease.status}.`, evidence);
  if (lease.endDate !== undefined && lease.endDate < f.today)
    return result(
      'lease_valid',
      false,
      `Lease: lease ${lease.id} ended on ${lease.endDate}.`,
      evidence,
    );
  if (lease.tenantIds.length === 0)
    return result('lease_valid', false, `Lease: lease ${lease.id} has no tenant.`, evidence);
  return result(
    'lease_valid',
    true,
    `Lease ${lease.id} is on file, in force, with tenant ${lease.tenantIds.join(', ')}.`,
    evidence,
  );
}

function addressVerified(f: GateFacts): GateItemResult {
  const a = attestationOf(f, 'address_verified');
  if (!a)
    return result(
      'address_verified',
      false,
      'Address: nobody has attested that the tenant’s address was verified (attest address_verified with the evidence).',
    );
  return result('address_verified', true, 'Address verified.', [attestEvidence(a)]);
}

/**
 * A mailing service can rest on: mailed or delivered. Returned, refused and unclaimed mail
 * (a return, R10) and anything else do not.
 */
function isGoodService(p: GateProof): boolean {
  return p.status === 'mailed' || p.status === 'delivered';
}

function proofEvidence(p: GateProof): string {
  return `proof ${p.id} (${p.status}${p.trackingNumber ? `, tracking ${p.trackingNumber}` : ''}${p.servedOn ? `, mailed ${p.servedOn}` : ''})`;
}

/** Stages that should have served a notice but have no delivery at all. */
function unqueuedStages(f: GateFacts): string[] {
  const have = new Set(f.notices.map((n) => n.stage));
  return f.noticeStages.filter((s) => !have.has(s));
}

function noticesServed(f: GateFacts): GateItemResult {
  if (f.noticeStages.length === 0 && f.notices.length === 0)
    return result(
      'notices_served',
      false,
      `Notices: no required notice stage precedes ${KIND_NAME[f.kind]} in the policy, so no statutory notice was served.`,
    );
  const problems: string[] = [];
  const evidence: string[] = [];
  for (const stage of unqueuedStages(f)) problems.push(`the ${stage} notice was never sent`);
  for (const n of f.notices) {
    const good = n.proofs.filter(isGoodService);
    if (good.length > 0) {
      evidence.push(...good.map(proofEvidence));
      continue;
    }
    const last = n.proofs[n.proofs.length - 1];
    problems.push(
      last
        ? `${n.key} was ${last.status} (${proofEvidence(last)})`
        : `${n.key} has no proof of service`,
    );
  }
  if (problems.length > 0)
    return result('notices_served', false, `Notices: ${problems.join('; ')}.`, evidence);
  return result(
    'notices_served',
    true,
    `Every statutory notice (${f.notices.length}) was mailed or delivered.`,
    evidence,
  );
}

function periodsElapsed(f: GateFacts): GateItemResult {
  if (f.notices.length === 0 && unqueuedStages(f).length === 0)
    return result(
      'periods_elapsed',
      false,
      'Periods: no statutory notice was served, so no notice period has run.',
    );
  const problems: string[] = unqueuedStages(f).map(
    (s) => `the ${s} notice was never sent, so its period has not started`,
  );
  const evidence: string[] = [];
  for (const n of f.notices) {
    const good = n.proofs.filter(isGoodService);
    if (good.length === 0) {
      problems.push(`${n.key} is not served, so its period has not started`);
      continue;
    }
    const deadlines = good.map((p) => p.deadline);
    if (deadlines.some((d) => d === null)) {
      problems.push(`the deadline of ${n.key} is not recorded with its proof`);
      continue;
    }
    // A re-served notice counts from its latest good mailing.
    const deadline = (deadlines as string[]).reduce((a, b) => (a > b ? a : b));
    if (deadline >= f.today) problems.push(`the period of ${n.key} runs until ${deadline}`);
    else evidence.push(`${n.key}: deadline ${deadline} passed`);
  }
  if (problems.length > 0)
    return result('periods_elapsed', false, `Periods: ${problems.join('; ')}.`, evidence);
  return result('periods_elapsed', true, `Every notice period ended before ${f.today}.`, evidence);
}

/**
 * The first statutory notice's mailing date: payments on or after it were taken after the
 * notice. Several states void a lien sale or an unlawful-detainer notice once a partial
 * payment is accepted; the jurisdiction packs do not yet say which, so every state is
 * treated as forbidding it unless a person clears it with evidence (e.g. a written
 * agreement that the payment does not waive the notice).
 */
function noPartialPayment(f: GateFacts): GateItemResult {
  const served = f.notices
    .flatMap((n) => n.proofs)
    .map((p) => p.servedOn)
    .filter((d): d is string => d !== null)
    .sort();
  const first = served[0];
  if (first === undefined)
    return result(
      'no_partial_payment',
      true,
      'No statutory notice has been mailed, so no payment was accepted after one.',
    );
  const after = f.payments.filter((p) => p.date >= first);
  if (after.length === 0)
    return result(
      'no_partial_payment',
      true,
      `No payment was accepted since the first notice was mailed on ${first}.`,
    );
  const list = after.map((p) => `${p.id} on ${p.date}`);
  const cleared = attestationOf(f, 'partial_payment_cleared');
  if (cleared)
    return result(
      'no_partial_payment',
      true,
      `Payments since the notice of ${first} (${list.join(', ')}) were cleared.`,
      [...list.map((l) => `payment ${l}`), attestEvidence(cleared)],
    );
  return result(
    'no_partial_payment',
    false,
    `Partial payment: ${list.join(', ')} was accepted after the notice mailed ${first}; attest partial_payment_cleared with evidence (such as a written agreement) or re-serve the notice.`,
    list.map((l) => `payment ${l}`),
  );
}

function militaryChecked(f: GateFacts): GateItemResult {
  const serving = f.tenants.filter((t) => t.military === true).map((t) => t.id);
  const a = attestationOf(f, 'military_checked');
  const evidence = a ? [attestEvidence(a)] : [];
  if (serving.length > 0)
    return result(
      'military_checked',
      false,
      `Military: tenant ${serving.join(', ')} is in military service; ${KIND_NAME[f.kind]} needs a court order (SCRA).`,
      evidence,
    );
  if (!a)
    return result(
      'military_checked',
      false,
      'Military: nobody has attested a military status check (attest military_checked with e.g. the SCRA status report).',
    );
  return result('military_checked', true, 'Military status checked.', evidence);
}

function managerSignoff(f: GateFacts): GateItemResult {
  const a = f.attestations.find(
    (x) =>
      x.item === 'manager_signoff' &&
      x.evidence.trim() !== '' &&
      (SIGNOFF_ROLES as readonly string[]).includes(x.role),
  );
  if (!a)
    return result(
      'manager_signoff',
      false,
      'Sign-off: no manager or admin has signed off (attest manager_signoff).',
    );
  return result('manager_signoff', true, 'Signed off by a manager.', [attestEvidence(a)]);
}

/** Checks every item of the gate; `ok` only when all pass. */
export function checkGate(facts: GateFacts): GateResult {
  const items = [
    leaseValid(facts),
    addressVerified(facts),
    noticesServed(facts),
    periodsElapsed(facts),
    noPartialPayment(facts),
    militaryChecked(facts),
    managerSignoff(facts),
  ];
  const missing = items.filter((i) => !i.ok).map((i) => i.detail);
  return { kind: facts.kind, key: facts.key, ok: missing.length === 0, items, missing };
}

/** The refusal an approval gets when its gate is not passed. */
export function gateRefusal(result: GateResult): string {
  const what = result.kind === 'auction' ? 'pre-sale' : 'pre-filing';
  return `${result.key} cannot be approved: the ${what} checklist is incomplete (${result.missing.length} missing). ${result.missing.join(' ')}`;
}

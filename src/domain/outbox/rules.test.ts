import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../audit/canonical-json.js';
import {
  approvalsNeededFor,
  canApprove,
  decideApproval,
  decideEdit,
  decideRejection,
  ROLES,
  type ApprovalState,
} from './approval.js';
import { applyEdit, assertPayload, auditDiff, diffContent } from './draft.js';
import {
  backoffMs,
  decideOutcome,
  DEFAULT_RETRY_POLICY,
  reasonText,
  type RetryPolicy,
} from './outcomes.js';

const NOW = Date.parse('2026-10-06T16:00:00.000Z');
const ctx = (attempts = 1) => ({ key: 'L1:1:late:sms', attempts, nowMs: NOW });

describe('provider outcomes', () => {
  it('accepted → sent with the provider id', () => {
    expect(decideOutcome({ tag: 'accepted', externalId: 'SM1' }, ctx())).toEqual({
      to: 'sent',
      reason: null,
      providerId: 'SM1',
    });
  });

  it('rejected → failed with the code and message', () => {
    expect(
      decideOutcome({ tag: 'rejected', code: '21610', reason: 'recipient opted out' }, ctx()),
    ).toEqual({ to: 'failed', reason: 'rejected: 21610 recipient opted out' });
  });

  it('unknown → unknown', () => {
    expect(decideOutcome({ tag: 'unknown' }, ctx())).toEqual({
      to: 'unknown',
      reason: 'outcome_lost',
    });
    expect(decideOutcome({ tag: 'unknown', reason: 'socket hang up' }, ctx()).reason).toBe(
      'outcome_lost: socket hang up',
    );
  });

  it('retry_after honours the provider time, never sooner than the minimum delay', () => {
    const at = '2026-10-06T16:05:00.000Z';
    expect(decideOutcome({ tag: 'retry_after', at, reason: 'HTTP 429' }, ctx())).toEqual({
      to: 'approved',
      reason: 'retry_after: HTTP 429',
      dueAt: at,
    });
    const past = decideOutcome({ tag: 'retry_after', at: '2026-10-06T15:00:00Z' }, ctx());
    expect(past).toEqual({
      to: 'approved',
      reason: 'retry_after',
      dueAt: '2026-10-06T16:00:01.000Z',
    });
  });

  it('retryable backs off exponentially, capped, with deterministic jitter', () => {
    const p: RetryPolicy = { baseMs: 1000, maxMs: 60_000, maxAttempts: 20, minDelayMs: 500 };
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs('k', n, p));
    for (const [i, d] of delays.entries()) {
      const raw = Math.min(60_000, 1000 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(raw);
      expect(d).toBeLessThanOrEqual(raw * 1.2);
    }
    expect(backoffMs('k', 3, p)).toBe(backoffMs('k', 3, p));
    expect(new Set(['a', 'b', 'c', 'd'].map((k) => backoffMs(k, 3, p))).size).toBeGreaterThan(1);
    const d = decideOutcome({ tag: 'retryable', reason: 'HTTP 500' }, { ...ctx(2), policy: p });
    expect(d).toEqual({
      to: 'approved',
      reason: 'retryable: HTTP 500',
      dueAt: new Date(NOW + backoffMs('L1:1:late:sms', 2, p)).toISOString(),
    });
  });

  it('gives up after maxAttempts', () => {
    const d = decideOutcome(
      { tag: 'retryable', reason: 'HTTP 503' },
      ctx(DEFAULT_RETRY_POLICY.maxAttempts),
    );
    expect(d).toEqual({ to: 'failed', reason: 'retries_exhausted: 8 attempts; last: HTTP 503' });
  });

  it('reasons are one line, code first, detail truncated', () => {
    expect(reasonText('rejected', '  a\n b ')).toBe('rejected: a b');
    expect(reasonText('x', 'y'.repeat(500))).toHaveLength(3 + 200);
    expect(reasonText('hold')).toBe('hold');
  });
});

describe('approval rules', () => {
  const draft = (over: Partial<ApprovalState> = {}): ApprovalState => ({
    key: 'K',
    status: 'draft',
    version: 1,
    approvalsRequired: 1,
    approvedBy: [],
    ...over,
  });
  const ann = { id: 'u1', email: 'ann@x.com', role: 'manager' };
  const bob = { id: 'u2', email: 'bob@x.com', role: 'collections' };

  it('staff roles approve; owner and auditor may not', () => {
    expect(ROLES.filter(canApprove)).toEqual([
      'admin',
      'manager',
      'collections',
      'legal',
      'finance',
    ]);
    for (const role of ['owner', 'auditor']) {
      const d = decideApproval(draft(), { ...ann, role });
      expect(d).toMatchObject({ ok: false, code: 'forbidden' });
      expect(d.ok || d.message).toContain(`may not approve`);
      expect(decideRejection(draft(), { ...ann, role }, 'x')).toMatchObject({ code: 'forbidden' });
      expect(decideEdit(draft(), { ...ann, role })).toMatchObject({ code: 'forbidden' });
    }
  });

  it('one approval completes a one-person draft', () => {
    expect(decideApproval(draft(), ann)).toEqual({
      ok: true,
      count: 1,
      required: 1,
      complete: true,
    });
  });

  it('two-person: the same user twice is refused, a different user completes it', () => {
    const first = decideApproval(draft({ approvalsRequired: 2 }), ann);
    expect(first).toEqual({ ok: true, count: 1, required: 2, complete: false });
    const again = decideApproval(draft({ approvalsRequired: 2, approvedBy: ['u1'] }), ann);
    expect(again).toEqual({
      ok: false,
      code: 'conflict',
      message:
        'ann@x.com already approved version 1 of K; it needs 2 approvals by different users: ask another approver',
    });
    expect(decideApproval(draft({ approvalsRequired: 2, approvedBy: ['u1'] }), bob)).toEqual({
      ok: true,
      count: 2,
      required: 2,
      complete: true,
    });
  });

  it('only drafts are approved; a draft always needs at least one approval', () => {
    expect(decideApproval(draft({ status: 'approved' }), ann)).toMatchObject({
      ok: false,
      message: 'K is already approved',
    });
    expect(decideApproval(draft({ status: 'sent' }), ann)).toMatchObject({
      ok: false,
      message: 'K is sent, not a draft awaiting approval',
    });
    expect(approvalsNeededFor(0)).toBe(1);
    expect(approvalsNeededFor(2)).toBe(2);
    expect(decideApproval(draft({ approvalsRequired: 0 }), ann)).toMatchObject({ complete: true });
  });

  it('rejection needs a reason and an item not yet dispatched', () => {
    expect(decideRejection(draft(), ann, ' ')).toMatchObject({ ok: false });
    expect(decideRejection(draft({ status: 'approved' }), ann, 'no')).toEqual({ ok: true });
    expect(decideRejection(draft({ status: 'dispatching' }), ann, 'no')).toMatchObject({
      ok: false,
      code: 'conflict',
    });
  });
});

describe('draft content and edits', () => {
  it('refuses non-JSON and credential-looking keys', () => {
    expect(() => assertPayload({ a: undefined })).toThrow('$.a');
    expect(() => assertPayload({ meta: { apiKey: 'x' } })).toThrow(
      '$.meta.apiKey: looks like a credential',
    );
    expect(() => assertPayload([1])).toThrow('must be a JSON object');
    expect(assertPayload({ body: 'hi', n: 1 })).toEqual({ body: 'hi', n: 1 });
  });

  it('merges an edit, removes keys set to null, protects the engine-owned amount', () => {
    const before = { body: 'Pay $1,500', template: 'late', pastDueCents: 150000, extra: 1 };
    expect(applyEdit(before, { body: 'Please pay $1,500', extra: null })).toEqual({
      body: 'Please pay $1,500',
      template: 'late',
      pastDueCents: 150000,
    });
    expect(() => applyEdit(before, { pastDueCents: 1 })).toThrow('cannot be edited');
  });

  it('diffs leaves; the audit diff shows strings only by hash', () => {
    const before = { body: 'Pay $1,500 by Friday', to: ['+14155550101'], n: 1 };
    const after = { body: 'Pay $1,500 by Monday', to: ['+14155550101'], n: 2, added: true };
    const diff = diffContent(before, after);
    expect(diff).toEqual([
      { path: '$.added', after: true },
      { path: '$.body', before: 'Pay $1,500 by Friday', after: 'Pay $1,500 by Monday' },
      { path: '$.n', before: 1, after: 2 },
    ]);
    const audit = auditDiff(diff);
    expect(canonicalJson(audit)).not.toContain('Friday');
    expect(audit[1]).toMatchObject({
      path: '$.body',
      before: { length: 20 },
      after: { length: 20 },
    });
    expect(audit[2]).toEqual({ path: '$.n', before: 1, after: 2 });
    expect(diffContent(before, before)).toEqual([]);
  });
});

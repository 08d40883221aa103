import { describe, expect, it, vi } from 'vitest';
import { InputError, type InputIssue } from '../errors.js';
import { parsePolicy } from './read.js';
import { policy as policySchema, type Policy, type PolicyInput } from './schema.js';
import { validatePolicy } from './validate.js';

const FILE = 'policy.yaml';
type StageInput = PolicyInput['stages'][number];

function make(over: Partial<PolicyInput> = {}): Policy {
  return policySchema.parse({
    id: 'test',
    stages: [
      {
        id: 'reminder',
        day: 3,
        actions: [
          { id: 'sms', type: 'message', channel: 'sms', template: 'reminder', fallback: 'email' },
        ],
      },
    ],
    ...over,
  });
}

/** Storage in California: late fee not before day 10 (§21713.5), lien notices by certified mail. */
function storageCa(stages: PolicyInput['stages'], over: Partial<PolicyInput> = {}): Policy {
  return make({ appliesTo: { jurisdiction: 'US-CA', kind: 'storage' }, stages, ...over });
}

function issuesOf(p: Policy, opts = {}): InputIssue[] {
  return validatePolicy(p, FILE, opts);
}

function only(p: Policy, opts = {}): InputIssue {
  const found = issuesOf(p, opts);
  expect(found, JSON.stringify(found, null, 2)).toHaveLength(1);
  return found[0] as InputIssue;
}

function parseErrors(text: string, file = FILE): InputIssue[] {
  try {
    parsePolicy(text, file);
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('validatePolicy: structure of stages and actions', () => {
  it('accepts a simple policy', () => {
    expect(issuesOf(make())).toEqual([]);
  });

  it('rejects duplicate stage ids', () => {
    const issue = only(
      make({
        stages: [
          { id: 'late', day: 3, actions: [] },
          { id: 'late', day: 5, actions: [] },
        ],
      }),
    );
    expect(issue).toMatchObject({ file: FILE, path: 'stages[1] (late).id' });
    expect(issue.message).toContain('duplicate stage id `late` (also stages[0])');
  });

  it('rejects duplicate action ids within a stage', () => {
    const issue = only(
      make({
        stages: [
          {
            id: 'late',
            day: 3,
            actions: [
              { id: 'sms', type: 'message', channel: 'sms', template: 'reminder' },
              { id: 'sms', type: 'message', channel: 'email', template: 'reminder' },
            ],
          },
        ],
      }),
    );
    expect(issue.path).toBe('stages[0] (late).actions[1].id');
    expect(issue.message).toContain('duplicate action id `sms` in stage `late`');
  });

  it('allows the same action id in different stages', () => {
    const p = make({
      stages: [
        {
          id: 'a',
          day: 3,
          actions: [{ id: 'sms', type: 'message', channel: 'sms', template: 'reminder' }],
        },
        {
          id: 'b',
          day: 5,
          actions: [{ id: 'sms', type: 'message', channel: 'sms', template: 'late-notice' }],
        },
      ],
    });
    expect(issuesOf(p)).toEqual([]);
  });

  it('rejects stage dates that go backwards', () => {
    const issue = only(
      make({
        stages: [
          { id: 'late', day: 10, actions: [] },
          { id: 'early', day: 5, actions: [] },
        ],
      }),
    );
    expect(issue.path).toBe('stages[1] (early).day');
    expect(issue.message).toContain(
      'stage dates go backwards: day 5 is before day 10 of the earlier stage `late`',
    );
    expect(issue.message).toContain('move this stage to day 10 or later');
  });

  it('adds up previous_stage days when checking the order', () => {
    const issue = only(
      make({
        stages: [
          { id: 'a', day: 5, actions: [] },
          { id: 'b', anchor: 'previous_stage', day: 4, actions: [] },
          { id: 'c', day: 8, actions: [] },
        ],
      }),
    );
    expect(issue.path).toBe('stages[2] (c).day');
    expect(issue.message).toContain('day 8 is before day 9 of the earlier stage `b`');
  });

  it('does not order stages anchored on events', () => {
    const p = make({
      stages: [
        { id: 'a', day: 30, actions: [] },
        { id: 'post-sale', anchor: 'auction_completed', day: 1, actions: [] },
        { id: 'b', day: 31, actions: [] },
      ],
    });
    expect(issuesOf(p)).toEqual([]);
  });

  it('requires reversal.anchorStage to name a stage', () => {
    const issue = only(make({ reversal: { anchorStage: 'remider' } }));
    expect(issue.path).toBe('reversal.anchorStage');
    expect(issue.message).toContain('no stage has id `remider` (did you mean `reminder`?)');
  });

  it('rejects a fallback equal to the channel', () => {
    const issue = only(
      make({
        stages: [
          {
            id: 'reminder',
            day: 3,
            actions: [
              { id: 'sms', type: 'message', channel: 'sms', template: 'reminder', fallback: 'sms' },
            ],
          },
        ],
      }),
    );
    expect(issue.path).toBe('stages[0] (reminder).actions[0].fallback');
    expect(issue.message).toContain('the fallback channel is the same as the channel (sms)');
  });

  it('rejects an unknown holiday calendar', () => {
    const issue = only(make({ holidays: 'US-XX' }));
    expect(issue.path).toBe('holidays');
    expect(issue.message).toContain('unknown holiday calendar `US-XX`');
  });

  it('rejects a send window that does not start before it ends', () => {
    const issue = only(make({ sendWindow: { start: '20:00', end: '08:00' } }));
    expect(issue.path).toBe('sendWindow');
    expect(issue.message).toContain('the send window must start before it ends');
  });

  it('rejects a jurisdiction that is not written as a code', () => {
    const issue = only(make({ appliesTo: { jurisdiction: 'us-ca' } }));
    expect(issue.path).toBe('appliesTo.jurisdiction');
    expect(issue.message).toContain('not a jurisdiction code');
  });

  it('rejects when-conditions that can never hold', () => {
    const issue = only(
      make({
        stages: [
          { id: 'a', day: 3, when: { minPastDueCents: 5000, maxPastDueCents: 100 }, actions: [] },
        ],
      }),
    );
    expect(issue.path).toBe('stages[0] (a).when');
    expect(issue.message).toContain('could never apply');
  });
});

describe('validatePolicy: templates', () => {
  it('rejects a stage referencing a missing template', () => {
    const issue = only(
      make({
        stages: [
          {
            id: 'late',
            day: 3,
            actions: [{ id: 'sms', type: 'message', channel: 'sms', template: 'late-notic' }],
          },
        ],
      }),
    );
    expect(issue.path).toBe('stages[0] (late).actions[0].template');
    expect(issue.message).toContain('unknown template `late-notic` (did you mean `late-notice`?)');
  });

  it('accepts a template defined inline', () => {
    const p = make({
      templates: { 'late-1': { kind: 'message', body: 'Hi {{ tenant.first_name }}' } },
      stages: [
        {
          id: 'late',
          day: 3,
          actions: [{ id: 'sms', type: 'message', channel: 'sms', template: 'late-1' }],
        },
      ],
    });
    expect(issuesOf(p)).toEqual([]);
  });

  it('rejects a message action naming a document template', () => {
    const issue = only(
      make({
        stages: [
          {
            id: 'late',
            day: 3,
            actions: [{ id: 'sms', type: 'message', channel: 'sms', template: 'pre-lien-notice' }],
          },
        ],
      }),
    );
    expect(issue.path).toBe('stages[0] (late).actions[0].template');
    expect(issue.message).toContain(
      '`pre-lien-notice` is a document template but this is a message action',
    );
  });

  it('rejects a document action naming a message template', () => {
    const issue = only(
      make({
        stages: [
          {
            id: 'notice',
            day: 3,
            actions: [
              { id: 'doc', type: 'document', template: 'reminder', delivery: ['first_class'] },
            ],
          },
        ],
      }),
    );
    expect(issue.path).toBe('stages[0] (notice).actions[0].template');
    expect(issue.message).toContain(
      '`reminder` is a message template but this is a document action',
    );
  });

  it('rejects inline templates whose merge fields do not exist', () => {
    const issue = only(
      make({
        templates: {
          'late-1': { kind: 'message', subject: 'Late', body: 'Hi {{ tenant.frist_name }}' },
        },
      }),
    );
    expect(issue.path).toBe('templates.late-1.body');
    expect(issue.message).toContain(
      'unknown merge field `tenant.frist_name` (did you mean `tenant.first_name`?)',
    );
  });

  it('names language variants with brackets', () => {
    const issue = only(
      make({
        templates: {
          'late-1': { kind: 'message', body: 'Hi' },
          'late-1.es': { kind: 'message', body: 'Hola {{ saldo }}' },
        },
      }),
    );
    expect(issue.path).toBe('templates["late-1.es"].body');
    expect(issue.message).toContain('unknown merge field `saldo`');
  });

  it('rejects an inline template that does not parse', () => {
    const issue = only(
      make({ templates: { x: { kind: 'message', body: '{% if tenant.name %}open' } } }),
    );
    expect(issue.path).toBe('templates.x.body');
    expect(issue.message).toContain('the template does not parse');
  });

  it('rejects a language variant of another kind', () => {
    const issue = only(make({ templates: { 'reminder.es': { kind: 'document', body: 'Hola' } } }));
    expect(issue.path).toBe('templates["reminder.es"].kind');
    expect(issue.message).toContain('is a document but `reminder` is a message');
  });

  it('rejects an action naming a template that has only a Spanish variant', () => {
    const issue = only(
      make({
        templates: { 'late-1.es': { kind: 'message', body: 'Hola' } },
        stages: [
          {
            id: 'late',
            day: 3,
            actions: [{ id: 'sms', type: 'message', channel: 'sms', template: 'late-1' }],
          },
        ],
      }),
    );
    expect(issue.path).toBe('stages[0] (late).actions[0].template');
    expect(issue.message).toContain('add an English `late-1`');
  });
});

describe('validatePolicy: jurisdiction packs', () => {
  const lateFee = (day: number, fee: Record<string, unknown>) =>
    ({
      id: 'late-fee',
      day,
      actions: [{ id: 'fee', type: 'fee', ...fee }],
    }) as StageInput;

  it('accepts a CA storage late fee on day 10', () => {
    expect(issuesOf(storageCa([lateFee(10, { amountCents: 2000 })]))).toEqual([]);
  });

  it('rejects a late fee before the pack’s earliest day', () => {
    const issue = only(storageCa([lateFee(5, { amountCents: 2000 })]));
    expect(issue.path).toBe('stages[0] (late-fee).day');
    expect(issue.message).toContain(
      'CA storage allows a late fee no earlier than day 10 after the due date',
    );
    expect(issue.message).toContain('§21713.5');
    expect(issue.message).toContain('move this stage to day 10 or later');
  });

  it('counts minGapDays and previous_stage days towards the earliest day', () => {
    const p = storageCa([
      { id: 'reminder', day: 6, actions: [] },
      {
        id: 'late-fee',
        anchor: 'previous_stage',
        day: 4,
        actions: [{ id: 'fee', type: 'fee', amountCents: 2000 }],
      },
    ]);
    expect(issuesOf(p)).toEqual([]);
    const early = storageCa([
      { id: 'reminder', day: 5, actions: [] },
      {
        id: 'late-fee',
        anchor: 'previous_stage',
        day: 4,
        actions: [{ id: 'fee', type: 'fee', amountCents: 2000 }],
      },
    ]);
    expect(only(early).message).toContain(
      'no earlier than day 10 after the due date (it can fire on day 9)',
    );
  });

  it('does not apply late-fee rules to lien fees', () => {
    expect(issuesOf(storageCa([lateFee(5, { kind: 'lien', amountCents: 5000 })]))).toEqual([]);
  });

  it('rejects a flat late fee above every cap the pack allows', () => {
    const p = make({
      appliesTo: { jurisdiction: 'US-TX', kind: 'residential' },
      stages: [lateFee(3, { percent: 13, of: 'monthly_rent' })],
    });
    const issue = only(p);
    expect(issue.path).toBe('stages[0] (late-fee).actions[0].percent');
    expect(issue.message).toContain(
      'a late fee of 13% of the monthly rent is above the TX residential cap of 12%',
    );
    expect(issue.message).toContain('§92.019');
  });

  it('accepts a percent inside the cap of some leases (the lease decides at run time)', () => {
    const p = make({
      appliesTo: { jurisdiction: 'US-TX', kind: 'residential' },
      stages: [lateFee(3, { percent: 11, of: 'monthly_rent' })],
    });
    expect(issuesOf(p)).toEqual([]);
  });

  it('accepts any flat late fee under a cap that grows with rent (checked per lease at run time)', () => {
    // CA storage: the greater of $20 or 15% of the rent has no upper bound.
    expect(issuesOf(storageCa([lateFee(10, { amountCents: 5000 })]))).toEqual([]);
  });

  it('rejects a flat late fee above a fixed cap', async () => {
    vi.resetModules();
    const rule = {
      id: 'XX/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: '1970-01-01',
      citation: 'Test Code §1',
      sources: [],
      status: 'verified',
      earliestDay: 5,
      cap: {
        type: 'lesser_of',
        of: [
          { type: 'flat', cents: 5000 },
          { type: 'percent', percent: 5, of: 'monthly_rent' },
        ],
      },
      oncePerLatePayment: true,
    };
    const pack = { id: 'US-ZZ', name: 'Test', holidays: 'US', lateFees: [rule], notices: [] };
    vi.doMock('../jurisdictions/index.js', () => ({
      getPack: (id: string) => (id === 'US-ZZ' ? pack : undefined),
      lateFeeRuleFor: (id: string) => (id === 'US-ZZ' ? rule : undefined),
      noticeRuleFor: () => undefined,
    }));
    try {
      const mocked = await import('./validate.js');
      const p = make({
        appliesTo: { jurisdiction: 'US-ZZ', kind: 'residential' },
        stages: [
          lateFee(5, { amountCents: 7500 }),
          { id: 'b', day: 6, actions: [{ id: 'f', type: 'fee', percent: 6, of: 'monthly_rent' }] },
        ],
      });
      const found = mocked.validatePolicy(p, FILE);
      expect(found.map((i) => i.path)).toEqual([
        'stages[0] (late-fee).actions[0].amountCents',
        'stages[1] (b).actions[0].percent',
      ]);
      expect(found[0]?.message).toContain(
        'a late fee of $75.00 is above the most ZZ residential allows for any rent ($50.00, Test Code §1)',
      );
      expect(found[1]?.message).toContain('above the ZZ residential cap of 5%');
    } finally {
      vi.doUnmock('../jurisdictions/index.js');
      vi.resetModules();
    }
  });

  it('rejects a late fee earlier than the TX earliest day', () => {
    const p = make({
      appliesTo: { jurisdiction: 'US-TX', kind: 'residential' },
      stages: [lateFee(2, { percent: 10, of: 'monthly_rent' })],
    });
    const issue = only(p);
    expect(issue.path).toBe('stages[0] (late-fee).day');
    expect(issue.message).toContain('TX residential allows a late fee no earlier than day 3');
  });

  it('rejects a delivery method the notice rule does not accept, naming its citation', () => {
    const p = storageCa([
      {
        id: 'lien',
        day: 32,
        actions: [
          {
            id: 'doc',
            type: 'document',
            template: 'lien-notice',
            delivery: ['certified_mail', 'first_class'],
          },
        ],
      },
    ]);
    const issue = only(p);
    expect(issue.path).toBe('stages[0] (lien).actions[0].delivery[1]');
    expect(issue.message).toContain(
      'CA storage does not accept `first_class` for the Notice of lien sale',
    );
    expect(issue.message).toContain('Cal. Bus. & Prof. Code');
    expect(issue.message).toContain('use certified_mail or certified_mail_e_return_receipt');
  });

  it('rejects a notice served before the pack’s earliest day', () => {
    const p = storageCa([
      {
        id: 'pre-lien',
        day: 10,
        actions: [
          {
            id: 'doc',
            type: 'document',
            template: 'pre-lien-notice',
            delivery: ['certified_mail'],
          },
        ],
      },
    ]);
    const issue = only(p);
    expect(issue.path).toBe('stages[0] (pre-lien).day');
    expect(issue.message).toContain('allows it no earlier than day 14');
  });

  it('ignores pack rules when the policy names no property kind', () => {
    const p = make({
      appliesTo: { jurisdiction: 'US-CA' },
      stages: [lateFee(2, { amountCents: 99999 })],
    });
    expect(issuesOf(p)).toEqual([]);
  });

  const txNotice = (approval: 'auto' | 'manual', mode: 'autopilot' | 'assisted' | 'supervised') =>
    make({
      appliesTo: { jurisdiction: 'US-TX', kind: 'residential' },
      mode,
      stages: [
        {
          id: 'notice-to-vacate',
          day: 6,
          approval,
          actions: [
            {
              id: 'notice',
              type: 'document',
              template: 'pay-or-quit-notice',
              delivery: ['first_class'],
            },
          ],
        },
      ],
    });

  it('rejects autopilot for a stage relying on an unverified rule, naming rule and citation', () => {
    const issue = only(txNotice('auto', 'autopilot'));
    expect(issue.path).toBe('stages[0] (notice-to-vacate).approval');
    expect(issue.message).toContain(
      'in autopilot mode stage `notice-to-vacate` runs without approval',
    );
    expect(issue.message).toContain('US-TX/eviction/notice-to-vacate-sb38');
    expect(issue.message).toContain('SB 38');
    expect(issue.message).toContain('unverified');
  });

  it('accepts the same stage under manual approval or supervised mode', () => {
    expect(issuesOf(txNotice('manual', 'autopilot'))).toEqual([]);
    expect(issuesOf(txNotice('auto', 'supervised'))).toEqual([]);
  });

  it('treats assisted mode with auto approval like autopilot', () => {
    expect(only(txNotice('auto', 'assisted')).message).toContain('in assisted mode');
  });

  it('checks the rule in force on asOf and every later version', () => {
    // Before SB 38 the secondary rule applies, but SB 38 takes effect later: still refused.
    expect(issuesOf(txNotice('auto', 'autopilot'), { asOf: '2025-06-01' })).toHaveLength(1);
  });

  it('validates every shipped example policy', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../../../examples/policies/', import.meta.url);
    // examples/policies/states/ is checked by src/domain/jurisdictions/shipped-workflows.test.ts.
    for (const name of readdirSync(dir).filter((n) => /\.(ya?ml|json)$/.test(n))) {
      const text = readFileSync(new URL(name, dir), 'utf8');
      expect(validatePolicy(parsePolicy(text, name), name), name).toEqual([]);
    }
  });
});

describe('parsePolicy', () => {
  it('reads YAML and names stages by id in paths', () => {
    const issues = parseErrors(
      [
        'id: p',
        'stages:',
        '  - id: reminder',
        '    day: 1',
        '  - id: pre-lien',
        '    day: 14',
        '    actions:',
        '      - {id: fee, type: fee, amountCents: -20}',
      ].join('\n'),
    );
    expect(issues).toEqual([
      {
        file: FILE,
        path: 'stages[1] (pre-lien).actions[0].amountCents',
        message: expect.stringContaining('must be a positive number of cents'),
      },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const [issue] = parseErrors('id: p\nstages:\n  - id: a\n    day: [1\n  - id: b\n');
    expect(issue?.path).toMatch(/^line \d+, column \d+$/);
    expect(issue?.message).toContain('YAML syntax error');
  });

  it('reports duplicate YAML keys', () => {
    const [issue] = parseErrors('id: p\nid: q\nstages: []\n');
    expect(issue).toMatchObject({ path: 'line 2, column 1' });
    expect(issue?.message).toContain('keep only one');
  });

  it('reports malformed JSON with line and column', () => {
    const [issue] = parseErrors('{\n  "id": "p",\n  "stages": [,]\n}', 'policy.json');
    expect(issue).toMatchObject({ file: 'policy.json', path: 'line 3, column 14' });
    expect(issue?.message).toContain('not valid JSON');
  });

  it('reads JSON without an extension, and YAML when it is not JSON', () => {
    expect(parsePolicy('{"id": "p", "stages": [{"id": "a", "day": 1}]}', 'policy').id).toBe('p');
    expect(parsePolicy('id: q\nstages: [{id: a, day: 1}]\n', 'policy').id).toBe('q');
  });

  it('rejects unknown keys with a suggestion', () => {
    const issues = parseErrors(
      'id: p\nstages:\n  - {id: a, day: 1, minGap: 2}\nmodee: supervised\n',
    );
    expect(issues.map((i) => i.path)).toEqual(['stages[0] (a).minGap', 'modee']);
    expect(issues[0]?.message).toContain('unknown field `minGap`: remove it or check its spelling');
    expect(issues[1]?.message).toContain('did you mean `mode`?');
  });

  it('names the allowed values of an enum', () => {
    const [issue] = parseErrors('id: p\ncatchUp: newest\nstages: [{id: a, day: 1}]\n');
    expect(issue).toMatchObject({ path: 'catchUp' });
    expect(issue?.message).toContain('must be one of latest, all');
  });

  it('names an unknown action type and the allowed ones', () => {
    const [issue] = parseErrors(
      'id: p\nstages: [{id: a, day: 1, actions: [{id: x, type: sms}]}]\n',
    );
    expect(issue).toMatchObject({ path: 'stages[0] (a).actions[0].type' });
    expect(issue?.message).toContain(
      'unknown action type `sms`: use one of message, document, fee',
    );
  });

  it('reports a missing required field', () => {
    const [issue] = parseErrors('id: p\nstages: [{id: a}]\n');
    expect(issue).toMatchObject({ path: 'stages[0] (a).day' });
    expect(issue?.message).toContain('missing required field `day`');
  });

  it('caps the errors at 50', () => {
    const stages = Array.from({ length: 80 }, (_, i) => `  - {id: s${i}, day: -1}`).join('\n');
    const issues = parseErrors(`id: p\nstages:\n${stages}\n`);
    expect(issues).toHaveLength(50);
  });
});

describe('validatePolicy caps its issues', () => {
  it('at 50', () => {
    const stages = Array.from({ length: 80 }, () => ({ id: 'same', day: 1, actions: [] }));
    expect(issuesOf(make({ stages }))).toHaveLength(50);
  });
});

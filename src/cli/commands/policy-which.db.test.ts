/**
 * `arrears policy which` through the CLI, on SQLite and PostgreSQL: the stored corporate
 * workflow, a state × space-type workflow and a property-level override, over the imported
 * storage example. The tests of a suite share its database, in order.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { main } from '../index.js';

const EXAMPLES = resolve(import.meta.dirname, '../../../examples');

const PARKING = `id: storage-us-ca-parking
name: California vehicle and parking spaces
appliesTo: {jurisdiction: US-CA, kind: storage, spaceTypes: [parking]}
stages:
  - id: reminder
    day: 1
    actions:
      - {id: sms, type: message, channel: sms, template: reminder}
`;

const OVERRIDE = `id: arroyo-override
name: Arroyo Self Storage (property override)
appliesTo: {propertyIds: [STO-PAS]}
stages:
  - id: reminder
    day: 2
    actions:
      - {id: sms, type: message, channel: sms, template: reminder}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-policy-which-'));
  writeFileSync(join(dir, 'parking.yaml'), PARKING);
  writeFileSync(join(dir, 'override.yaml'), OVERRIDE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Explanation {
  leaseId: string;
  spaceType: string | null;
  policy: { id: string; version: number } | null;
  level: string | null;
  reasons: string[];
  candidates: { policyId: string; matched: boolean; chosen: boolean; outcome: string }[];
}

forEachDialect('arrears policy which', (h) => {
  async function run(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await main([...argv, '--db', h.url], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: {},
      cwd: dir,
    });
    return { code, stdout, stderr };
  }
  async function json(...argv: string[]) {
    const r = await run(...argv, '--json');
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as {
      policies: number;
      leases: Explanation[];
      workflows: { spaceType: string | null; policies: { policy: string | null }[] }[];
    };
  }

  it('says when nothing is stored', async () => {
    const r = await run('policy', 'which');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no leases are stored');
    expect(r.stderr).toContain('no policies are stored');
  });

  it('shows the corporate workflow and the state × space-type one per lease', async () => {
    for (const file of [join(EXAMPLES, 'policies/states/storage-us-ca.yaml'), 'parking.yaml'])
      expect((await run('policy', 'apply', file)).code).toBe(0);
    expect((await run('import', join(EXAMPLES, 'portfolios/storage-ca.json'))).code).toBe(0);

    const out = await json('policy', 'which');
    expect(out.policies).toBe(2);
    expect(out.leases.length).toBeGreaterThan(1);
    for (const l of out.leases)
      expect(l.policy?.id).toBe(
        l.spaceType === 'parking' ? 'storage-us-ca-parking' : 'storage-us-ca',
      );
    const parking = out.workflows.find((w) => w.spaceType === 'parking');
    expect(parking?.policies.map((p) => p.policy)).toEqual(['storage-us-ca-parking v1']);

    const text = await run('policy', 'which');
    expect(text.stdout).toContain('Workflows per state × kind × space type');
    expect(text.stdout).toContain('storage-us-ca v1 (state × kind)');
    expect(text.stdout).toContain('storage-us-ca-parking v1 (state × kind × space type)');
  });

  it('a property-level override wins, and --lease explains why', async () => {
    expect((await run('policy', 'apply', 'override.yaml')).code).toBe(0);
    const out = await json('policy', 'which');
    for (const l of out.leases) {
      expect(l.policy?.id).toBe('arroyo-override');
      expect(l.level).toBe('property');
    }
    const [one] = (await json('policy', 'which', '--lease', 'S-114')).leases;
    expect(one?.leaseId).toBe('S-114');
    expect(one?.candidates.map((c) => [c.policyId, c.chosen])).toEqual([
      ['arroyo-override', true],
      ['storage-us-ca-parking', false],
      ['storage-us-ca', false],
    ]);
    expect(one?.reasons).toContain(
      'a property-level policy overrides the corporate workflows for property STO-PAS',
    );
    const text = await run('policy', 'which', '--lease', 'S-114');
    expect(text.stdout).toContain('Workflow: arroyo-override v1: property STO-PAS');
    expect(text.stdout).toContain('Policies considered');
    expect(text.stdout).toContain("less specific than arroyo-override's property");
  });

  it('names an unknown lease and exits 2', async () => {
    const r = await run('policy', 'which', '--lease', 'NOPE');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no stored lease has id `NOPE`');
  });
});

import { describe, expect, it } from 'vitest';
import type { Lease, Property } from '../portfolio/schema.js';
import { explainPolicyFor, matchLevel, resolvePolicy, specificity } from './resolve.js';
import { policy as policySchema, type Policy, type PolicyInput } from './schema.js';

function make(id: string, appliesTo: PolicyInput['appliesTo'], version = 1): Policy {
  return policySchema.parse({ id, version, appliesTo, stages: [{ id: 'a', day: 1 }] });
}

const FL: Property = {
  id: 'P-FL',
  name: 'Tampa Storage',
  timezone: 'America/New_York',
  jurisdiction: 'US-FL',
  kind: 'storage',
  runAt: '09:00',
} as Property;
const OTHER_FL: Property = { ...FL, id: 'P-FL2' };

function lease(over: Partial<Lease> = {}): Lease {
  return {
    id: 'L1',
    propertyId: FL.id,
    unit: 'A-1',
    spaceType: 'parking',
    tenantIds: ['T1'],
    rentCents: 10_000,
    tags: [],
    ...over,
  } as Lease;
}

const corporate = make('storage-us-fl', { jurisdiction: 'US-FL', kind: 'storage' });
const parking = make('storage-us-fl-parking', {
  jurisdiction: 'US-FL',
  kind: 'storage',
  spaceTypes: ['parking'],
});
const override = make('tampa-override', { propertyIds: ['P-FL'] });
const stateWide = make('florida-any', { jurisdiction: 'US-FL' });
const kindOnly = make('storage-default', { kind: 'storage' });
const fallback = make('default', {});
const ALL = [fallback, kindOnly, stateWide, corporate, parking, override];

describe('resolvePolicy: most specific appliesTo wins', () => {
  it('property override > state × kind × space type > state × kind > state > kind > default', () => {
    const order = [override, parking, corporate, stateWide, kindOnly, fallback];
    for (let i = 0; i < order.length; i++) {
      const rest = order.slice(i);
      expect(resolvePolicy(rest, lease(), FL)?.policy.id).toBe(order[i]!.id);
      // File order never matters.
      expect(resolvePolicy([...rest].reverse(), lease(), FL)?.policy.id).toBe(order[i]!.id);
    }
  });

  it('a state × space-type workflow beats the state-wide one even without a kind', () => {
    const spaceOnly = make('fl-parking', { jurisdiction: 'US-FL', spaceTypes: ['parking'] });
    expect(resolvePolicy([corporate, spaceOnly], lease(), FL)?.policy.id).toBe('fl-parking');
    expect(
      resolvePolicy([corporate, spaceOnly], lease({ spaceType: '10x10' }), FL)?.policy.id,
    ).toBe('storage-us-fl');
  });

  it('the property override applies only to its property', () => {
    expect(resolvePolicy(ALL, lease({ propertyId: OTHER_FL.id }), OTHER_FL)?.policy.id).toBe(
      'storage-us-fl-parking',
    );
  });

  it('a property override naming a space type beats one that does not', () => {
    const overrideParking = make('tampa-parking', {
      propertyIds: ['P-FL'],
      spaceTypes: ['parking'],
    });
    expect(resolvePolicy([override, overrideParking], lease(), FL)?.policy.id).toBe(
      'tampa-parking',
    );
  });

  it('among equals, the newer version, then the id in code-unit order', () => {
    const v2 = make('storage-us-fl', { jurisdiction: 'US-FL', kind: 'storage' }, 2);
    expect(resolvePolicy([v2, corporate], lease(), FL)?.policy.version).toBe(2);
    const twin = make('a-twin', { jurisdiction: 'US-FL', kind: 'storage' });
    expect(resolvePolicy([corporate, twin], lease(), FL)?.policy.id).toBe('a-twin');
  });

  it('specificity is -1 when a condition fails, and keeps SPEC 2 order', () => {
    expect(specificity(corporate, lease(), { ...FL, jurisdiction: 'US-GA' })).toBe(-1);
    expect(specificity(parking, lease({ spaceType: undefined }), FL)).toBe(-1);
    const tagged = make('sensitive', { leaseTags: ['sensitive'] });
    expect(specificity(tagged, lease(), FL)).toBe(-1);
    expect(specificity(tagged, lease({ tags: ['sensitive'] }), FL)).toBeGreaterThan(
      specificity(parking, lease(), FL),
    );
    expect(specificity(override, lease(), FL)).toBeGreaterThan(
      specificity(tagged, lease({ tags: ['sensitive'] }), FL),
    );
  });

  it('names the level a policy selects', () => {
    expect(matchLevel(parking)).toBe('state × kind × space type');
    expect(matchLevel(override)).toBe('property');
    expect(matchLevel(fallback)).toBe('default');
  });
});

describe('explainPolicyFor', () => {
  it('returns the chosen policy, every candidate and the reasons', () => {
    const e = explainPolicyFor(lease(), FL, ALL);
    expect(e.policy?.id).toBe('tampa-override');
    expect(e.level).toBe('property');
    expect(e.why).toBe('tampa-override v1: property P-FL');
    expect(e.candidates.map((c) => c.policyId)).toEqual([
      'tampa-override',
      'storage-us-fl-parking',
      'storage-us-fl',
      'florida-any',
      'storage-default',
      'default',
    ]);
    expect(e.candidates.filter((c) => c.chosen)).toHaveLength(1);
    expect(e.candidates.every((c) => c.matched)).toBe(true);
    expect(e.reasons[0]).toBe(
      'tampa-override v1 applies because property P-FL is one of its properties',
    );
    expect(e.reasons).toContain(
      "storage-us-fl-parking v1 also applies, but state × kind × space type is less specific than tampa-override's property",
    );
    expect(e.reasons.at(-1)).toBe(
      'a property-level policy overrides the corporate workflows for property P-FL',
    );
  });

  it('says why a policy does not apply', () => {
    const e = explainPolicyFor(lease({ spaceType: '10x10' }), FL, [corporate, parking]);
    expect(e.policy?.id).toBe('storage-us-fl');
    const p = e.candidates.find((c) => c.policyId === 'storage-us-fl-parking')!;
    expect(p.matched).toBe(false);
    expect(p.specificity).toBeNull();
    expect(p.outcome).toBe('does not apply: the space type is `10x10`, not one of `parking`');
    expect(p.conditions.map((c) => [c.condition, c.holds])).toEqual([
      ['jurisdiction', true],
      ['spaceTypes', false],
      ['kind', true],
    ]);
    expect(e.reasons).toEqual([
      'storage-us-fl v1 applies because the property is in US-FL, and the property is storage',
      'no other policy applies to this lease',
    ]);
  });

  it('explains ties and versions', () => {
    const v2 = make('storage-us-fl', { jurisdiction: 'US-FL', kind: 'storage' }, 2);
    const twin = make('z-twin', { jurisdiction: 'US-FL', kind: 'storage' });
    const e = explainPolicyFor(lease({ spaceType: '10x10' }), FL, [corporate, v2, twin]);
    expect(e.policy?.version).toBe(2);
    const outcomes = e.candidates.filter((c) => !c.chosen).map((c) => c.outcome);
    expect(outcomes).toContain('applies, but version 2 of the same policy is newer');
    expect(outcomes).toContain(
      'applies and is as specific as storage-us-fl; storage-us-fl wins because its id sorts first',
    );
  });

  it('always agrees with resolvePolicy', () => {
    const leases = [
      lease(),
      lease({ spaceType: '10x10' }),
      lease({ spaceType: undefined, tags: ['x'] }),
      lease({ propertyId: OTHER_FL.id }),
    ];
    for (const l of leases)
      for (const property of [FL, OTHER_FL, { ...FL, kind: 'residential' as const }])
        for (let n = 0; n <= ALL.length; n++) {
          const policies = ALL.slice(0, n);
          expect(explainPolicyFor(l, property, policies).policy ?? undefined).toBe(
            resolvePolicy(policies, l, property)?.policy,
          );
        }
  });

  it('reports when nothing applies', () => {
    const e = explainPolicyFor(lease(), { ...FL, jurisdiction: 'US-GA' }, [corporate]);
    expect(e.policy).toBeNull();
    expect(e.why).toBeNull();
    expect(e.reasons).toEqual([
      'none of the 1 policies applies to this lease, so it is not evaluated',
    ]);
    expect(e.candidates[0]?.outcome).toBe(
      'does not apply: the property is in US-GA, the policy is for US-FL',
    );
    expect(explainPolicyFor(lease(), FL, []).reasons).toEqual(['no policies are stored']);
  });
});

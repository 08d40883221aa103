import { describe, expect, it } from 'vitest';
import { OAK_COURT, lines, policy, portfolio, rent, run } from '../support/build.js';

const task = (id = 'call') => ({ id, type: 'task' as const, title: 'Call the tenant' });
const sms = { id: 'sms', type: 'message' as const, channel: 'sms' as const, template: 'reminder' };

describe('R3 stage dates', () => {
  it('counts calendar days from the anchor', () => {
    const r = run(portfolio(), policy({ stages: [{ id: 's', day: 5, actions: [task()] }] }));
    expect(r.actions.map((a) => a.date)).toEqual(['2026-10-06']);
  });

  it('counts business days from the first business day strictly after the base, skipping holidays', () => {
    // Rent due Wed 2026-11-25; Thu 26 is Thanksgiving.
    const p = portfolio({ ledger: [rent('C1', '2026-11-25')] });
    const federal = run(
      p,
      policy({
        calendar: 'business',
        holidays: 'US',
        stages: [{ id: 's', day: 3, actions: [task()] }],
      }),
      '2026-11-01',
      '2026-12-31',
    );
    // Fri 27 (day 1), Mon 30 (day 2), Tue Dec 1 (day 3).
    expect(federal.actions.map((a) => a.date)).toEqual(['2026-12-01']);
    const california = run(
      p,
      policy({
        calendar: 'business',
        holidays: 'US-CA',
        stages: [{ id: 's', day: 3, actions: [task()] }],
      }),
      '2026-11-01',
      '2026-12-31',
    );
    // The day after Thanksgiving is a California holiday: Mon 30, Tue 1, Wed 2.
    expect(california.actions.map((a) => a.date)).toEqual(['2026-12-02']);
  });

  it('runs at the property runAt; a time missing on the spring-forward day moves to the first valid instant', () => {
    const p = portfolio({
      properties: [{ ...OAK_COURT, runAt: '02:30' }],
      ledger: [rent('C1', '2026-03-03')],
    });
    const r = run(
      p,
      policy({ stages: [{ id: 's', day: 5, actions: [task()] }] }),
      '2026-03-01',
      '2026-03-31',
    );
    // 2026-03-08 02:30 does not exist in Los Angeles: 03:00 PDT = 10:00Z.
    expect(r.actions.map((a) => a.at)).toEqual(['2026-03-08T10:00:00Z']);
  });

  it('uses the earlier instant for a time that occurs twice on the fall-back day, exactly once', () => {
    const p = portfolio({
      properties: [{ ...OAK_COURT, runAt: '01:30' }],
      ledger: [rent('C1', '2026-10-27')],
    });
    const r = run(
      p,
      policy({ stages: [{ id: 's', day: 5, actions: [task()] }] }),
      '2026-10-01',
      '2026-11-30',
    );
    expect(r.actions.map((a) => a.at)).toEqual(['2026-11-01T08:30:00Z']); // 01:30 PDT
  });

  it('moves a message outside the send window to the window start and says where it came from', () => {
    const p = portfolio({ properties: [{ ...OAK_COURT, runAt: '07:00' }] });
    const r = run(p, policy({ stages: [{ id: 's', day: 5, actions: [sms] }] }));
    expect(r.actions[0]).toMatchObject({
      date: '2026-10-06',
      at: '2026-10-06T15:00:00Z', // 08:00 PDT
      deferredFrom: '2026-10-06T14:00:00Z', // 07:00 PDT
    });
  });

  it('moves a message off a quiet day to the next allowed morning; other actions stay', () => {
    // Anchor 2026-10-01 + 10 = Sunday 2026-10-11.
    const r = run(
      portfolio(),
      policy({ quietDays: ['sunday'], stages: [{ id: 's', day: 10, actions: [sms, task()] }] }),
    );
    expect(r.actions.map((a) => `${a.action} ${a.date} ${a.at} ${a.deferredFrom ?? '-'}`)).toEqual([
      'call 2026-10-11 2026-10-11T16:00:00Z -',
      'sms 2026-10-12 2026-10-12T15:00:00Z 2026-10-11T16:00:00Z',
    ]);
  });

  it("uses the recipient's own time zone for the send window", () => {
    const p = portfolio({
      properties: [{ ...OAK_COURT, runAt: '18:30' }],
      tenants: [
        {
          id: 'T1',
          name: 'Ana Ruiz',
          phone: '+14155550101',
          timezone: 'America/New_York',
          consent: { sms: true },
        },
      ],
    });
    const r = run(p, policy({ stages: [{ id: 's', day: 5, actions: [sms] }] }));
    // 18:30 in Los Angeles is 21:30 in New York: next day 08:00 New York = 12:00Z.
    expect(r.actions[0]).toMatchObject({ date: '2026-10-07', at: '2026-10-07T12:00:00Z' });
  });

  it('skips a stage whose conditions are false on its date as not_applicable', () => {
    const r = run(
      portfolio(),
      policy({
        stages: [{ id: 'legal', day: 5, when: { minRentPastDueCents: 200000 }, actions: [task()] }],
      }),
    );
    expect(lines(r.actions)).toEqual(['2026-10-06 L1:1:legal:call skipped not_applicable']);
  });

  it('keeps minGapDays after the previous stage fired', () => {
    const r = run(
      portfolio(),
      policy({
        stages: [
          { id: 'a', day: 5, actions: [task()] },
          { id: 'b', day: 6, minGapDays: 4, actions: [task()] },
          { id: 'c', anchor: 'previous_stage', day: 2, actions: [task()] },
        ],
      }),
    );
    expect(r.actions.map((a) => `${a.stage} ${a.date}`)).toEqual([
      'a 2026-10-06',
      'b 2026-10-10',
      'c 2026-10-12',
    ]);
  });
});

describe('R4 catch-up', () => {
  const stages = [
    { id: 's1', day: 5, actions: [task()] },
    { id: 's2', day: 10, required: true, actions: [task()] },
    { id: 's3', day: 15, actions: [task()] },
    { id: 's4', day: 20, minGapDays: 3, actions: [task()] },
  ];

  it('with catchUp latest fires required stages and the latest due one, superseding the rest', () => {
    // Rent due Oct 1 is history; the simulation starts Nov 1 and the case opens then with its true anchor.
    const r = run(portfolio(), policy({ stages }), '2026-11-01', '2026-11-30');
    expect(r.episodes[0]).toMatchObject({ opened: '2026-11-01', anchor: '2026-10-01' });
    expect(lines(r.actions)).toEqual([
      '2026-11-01 L1:1:s1:call skipped superseded',
      '2026-11-01 L1:1:s2:call due',
      '2026-11-01 L1:1:s3:call due',
      '2026-11-04 L1:1:s4:call due', // minGapDays from s3
    ]);
  });

  it('with catchUp all fires every due stage in order', () => {
    const r = run(portfolio(), policy({ stages, catchUp: 'all' }), '2026-11-01', '2026-11-30');
    expect(lines(r.actions)).toEqual([
      '2026-11-01 L1:1:s1:call due',
      '2026-11-01 L1:1:s2:call due',
      '2026-11-01 L1:1:s3:call due',
      '2026-11-04 L1:1:s4:call due',
    ]);
  });

  it('emits nothing before --from', () => {
    const r = run(portfolio(), policy({ stages }), '2026-10-12', '2026-10-31');
    expect(r.actions.every((a) => a.date >= '2026-10-12')).toBe(true);
  });
});

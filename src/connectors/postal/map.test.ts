import { describe, expect, it } from 'vitest';
import { LOB_LETTER_EVENTS, lobAddressOf, readLobEvent } from './map.js';

const dana = (addressLines: string[]) => lobAddressOf({ name: 'Dana Whitfield', addressLines });

describe('our address lines → Lob address fields', () => {
  it('reads street lines and `City, ST 94110`', () => {
    expect(dana(['415 S Lake Ave', 'Apt 9', 'Pasadena, CA 91101'])).toEqual({
      ok: true,
      address: {
        name: 'Dana Whitfield',
        address_line1: '415 S Lake Ave',
        address_line2: 'Apt 9',
        address_city: 'Pasadena',
        address_state: 'CA',
        address_zip: '91101',
        address_country: 'US',
      },
    });
  });

  it('reads a one-line address, a ZIP+4, a lower-case state and a trailing US line', () => {
    expect(dana(['1820 N Fair Oaks Ave, Pasadena, ca 91103-4411'])).toMatchObject({
      ok: true,
      address: {
        address_line1: '1820 N Fair Oaks Ave',
        address_city: 'Pasadena',
        address_state: 'CA',
        address_zip: '91103-4411',
      },
    });
    expect(dana(['1 Main St', 'San Francisco CA 94110', 'USA'])).toMatchObject({
      ok: true,
      address: { address_city: 'San Francisco', address_state: 'CA', address_zip: '94110' },
    });
    expect(dana(['1 Main St', 'Apt 2', 'Rear', 'Austin, TX 78701'])).toMatchObject({
      ok: true,
      address: { address_line1: '1 Main St', address_line2: 'Apt 2, Rear' },
    });
  });

  it('says what to fix, without repeating the address', () => {
    const problem = (lines: string[]) => {
      const r = dana(lines);
      return r.ok ? 'parsed' : r.problem;
    };
    expect(problem(['415 S Lake Ave', 'Pasadena'])).toMatch(/last line must read `City, ST 94110`/);
    expect(problem(['Pasadena, CA 91101'])).toMatch(/no street line/);
    expect(problem(['415 S Lake Ave', 'Pasadena, ZZ 91101'])).toMatch(/`ZZ` is not a US state/);
    expect(problem(['10 Queen St W', 'Toronto, ON M5H 2N2', 'CA'])).toMatch(
      /outside the United States/,
    );
    expect(problem([])).toMatch(/no address lines/);
    expect(problem(['415 S Lake Ave', 'Pasadena, CA 91101']).includes('Lake')).toBe(false);
  });
});

describe("Lob's letter events → carrier events", () => {
  const event = (type: string, letter: Record<string, unknown> = {}) => ({
    id: 'evt_1',
    object: 'event',
    event_type: { id: type, enabled_for_test: true, resource: 'letters', object: 'event_type' },
    reference_id: 'ltr_1',
    body: { id: 'ltr_1', tracking_number: null, tracking_events: [], ...letter },
    date_created: '2026-10-20T18:00:00.000Z',
  });

  it('maps every documented letter event: deliveries and returns are recorded, the rest acknowledged', () => {
    const kinds = Object.fromEntries(
      Object.keys(LOB_LETTER_EVENTS).map((t) => [
        t,
        (() => {
          const r = readLobEvent(event(t));
          return r.kind === 'mail_event' ? r.event.type : r.kind;
        })(),
      ]),
    );
    expect(kinds).toMatchObject({
      'letter.delivered': 'delivered',
      'letter.certified.delivered': 'delivered',
      'letter.returned_to_sender': 'returned',
      'letter.certified.returned_to_sender': 'returned',
      'letter.in_transit': 'ignored',
      'letter.re-routed': 'ignored',
      'letter.certified.pickup_available': 'ignored',
      'letter.failed': 'not_mailed',
      'letter.rejected': 'not_mailed',
    });
    expect(readLobEvent(event('letter.return_envelope.delivered'))).toMatchObject({
      kind: 'ignored',
    });
    expect(readLobEvent(event('postcard.delivered'))).toMatchObject({ kind: 'ignored' });
  });

  it('uses the tracking number, the scan time and tells refused and unclaimed returns apart', () => {
    const scan = (description: string) => ({
      tracking_number: '9407111899223197428490',
      tracking_events: [
        { name: 'In Transit', time: '2026-10-18T10:00:00Z', type: 'certified' },
        {
          name: 'Returned to Sender',
          time: '2026-10-24T15:30:00Z',
          location: '91101',
          type: 'certified',
          details: { event: 'returned_to_sender', description },
        },
      ],
    });
    expect(readLobEvent(event('letter.certified.returned_to_sender', scan('Refused')))).toEqual({
      kind: 'mail_event',
      letterId: 'ltr_1',
      event: {
        trackingNumber: '9407111899223197428490',
        type: 'refused',
        at: '2026-10-24T15:30:00.000Z',
        detail: 'Refused (91101)',
      },
    });
    const unclaimed = readLobEvent(
      event('letter.certified.returned_to_sender', scan('Unclaimed - being returned')),
    );
    expect(unclaimed.kind === 'mail_event' && unclaimed.event.type).toBe('unclaimed');
  });

  it('finds a first-class letter by its id and falls back to the event time', () => {
    expect(readLobEvent(event('letter.delivered'))).toMatchObject({
      kind: 'mail_event',
      event: { trackingNumber: 'ltr_1', type: 'delivered', at: '2026-10-20T18:00:00.000Z' },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { InputError } from '../domain/errors.js';
import { redactPostgresUrl } from './dialects/postgres.js';
import {
  DEFAULT_DB_URL,
  openDatabase,
  parseDbUrl,
  resolveDbUrl,
  storedInstant,
} from './database.js';

describe('database URLs', () => {
  it('takes --db, else ARREARS_DB, else sqlite:./arrears.db', () => {
    expect(resolveDbUrl('sqlite:a.db', { ARREARS_DB: 'sqlite:b.db' })).toBe('sqlite:a.db');
    expect(resolveDbUrl(undefined, { ARREARS_DB: 'postgres://x@h/db' })).toBe('postgres://x@h/db');
    expect(resolveDbUrl(undefined, { ARREARS_DB: ' ' })).toBe(DEFAULT_DB_URL);
    expect(resolveDbUrl(undefined, {})).toBe('sqlite:./arrears.db');
  });

  it.each([
    ['sqlite:./arrears.db', { dialect: 'sqlite', path: '/srv/app/arrears.db' }],
    ['sqlite:data/x.db', { dialect: 'sqlite', path: '/srv/app/data/x.db' }],
    ['sqlite:/var/lib/arrears.db', { dialect: 'sqlite', path: '/var/lib/arrears.db' }],
    ['sqlite:///var/lib/arrears.db', { dialect: 'sqlite', path: '/var/lib/arrears.db' }],
    ['sqlite::memory:', { dialect: 'sqlite', path: ':memory:' }],
    [
      'postgres://u:p@db:5432/arrears',
      { dialect: 'postgres', url: 'postgres://u:p@db:5432/arrears' },
    ],
    ['postgresql://db/arrears', { dialect: 'postgres', url: 'postgresql://db/arrears' }],
  ])('parses %s', (url, target) => {
    expect(parseDbUrl(url, '/srv/app')).toEqual(target);
  });

  it.each(['', 'arrears.db', './arrears.db', 'sqlite:', 'mysql://h/db', 'postgres://'])(
    'rejects %j naming the accepted forms',
    (url) => {
      expect(() => parseDbUrl(url)).toThrow(InputError);
      expect(() => parseDbUrl(url)).toThrow(/use sqlite:PATH .*sqlite::memory:, or postgres:\/\//);
    },
  );

  it('never shows a password', () => {
    expect(redactPostgresUrl('postgres://ann:s3cret@db:5432/a')).toBe(
      'postgres://ann:***@db:5432/a',
    );
    expect(() => parseDbUrl('pg://ann:s3cret@db/a')).toThrow('pg://ann:***@db/a');
  });

  it('reports an unreachable PostgreSQL server clearly, without the password', async () => {
    await expect(openDatabase('postgres://ann:s3cret@127.0.0.1:1/none')).rejects.toThrow(
      /^cannot connect to PostgreSQL at postgres:\/\/ann:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/,
    );
  });

  it('opens an in-memory SQLite database and closes it twice safely', async () => {
    const db = await openDatabase('sqlite::memory:');
    expect(db.dialect).toBe('sqlite');
    await db.close();
    await db.close();
  });
});

describe('storedInstant', () => {
  it('writes one spelling so instants compare as text', () => {
    expect(storedInstant('2026-10-06T16:00:00Z')).toBe('2026-10-06T16:00:00.000Z');
    expect(storedInstant(new Date(Date.UTC(2026, 0, 1)))).toBe('2026-01-01T00:00:00.000Z');
    expect(() => storedInstant('yesterday')).toThrow('not an instant');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectorsDoc } from './catalogue.js';
import { checkManifests } from './registry.js';

describe('the connector catalogue', () => {
  it('every shipped manifest passes the schema and its own checks', () => {
    expect(checkManifests()).toEqual([]);
  });

  it('docs/connectors.md is what the manifests say (npm run docs:connectors rewrites it)', () => {
    const doc = readFileSync(new URL('../../docs/connectors.md', import.meta.url), 'utf8');
    expect(doc).toBe(connectorsDoc());
  });
});

/** `npm run docs:connectors`: rewrites docs/connectors.md from the connector manifests. */
import { writeFileSync } from 'node:fs';
import { connectorsDoc } from '../src/connectors/catalogue.js';

writeFileSync(new URL('../docs/connectors.md', import.meta.url), connectorsDoc());
console.log('wrote docs/connectors.md');

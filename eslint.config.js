import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The rings of ARCHITECTURE.md: imports point inward only.
const adapters = ['storage', 'http', 'cli', 'outbox', 'connectors', 'documents', 'web'];
const forbid = (names) => names.map((n) => ({ group: [`**/${n}/**`, `../${n}/*`, `../../${n}/*`, `!**/domain/${n}/**`], message: `imports point inward only: not ${n}/` }));
const ioModules = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net', 'child_process', 'node:child_process', 'path', 'node:path', 'os', 'node:os', 'process', 'node:process'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    ignores: ['src/domain/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules.map((name) => ({ name, message: 'domain/ is pure: no I/O' })), patterns: forbid(['app', ...adapters]) }],
      'no-restricted-globals': ['error', { name: 'process', message: 'domain/ is pure: no environment' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'domain/ is pure: time is an argument' }, { object: 'Math', property: 'random', message: 'domain/ is pure: no randomness' }],
    },
  },
  {
    files: ['src/app/**/*.ts'],
    ignores: ['src/app/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: forbid(adapters) }] },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);

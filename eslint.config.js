import tseslint from 'typescript-eslint';
import nounsanitized from 'eslint-plugin-no-unsanitized';

// Import boundaries from DESIGN.md are enforced here, next to the rule that forbids unsanitized DOM writes.
export default tseslint.config(
  { ignores: ['node_modules/', '.output/', '.wxt/', 'dist/', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  nounsanitized.configs.recommended,
  {
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['lib/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/entrypoints/**', '@/entrypoints/**', '**/components/**', '@/components/**', '**/relay/**', '@/relay/**', '**/cli/**', '@/cli/**'], message: 'lib/ is the shared core: it imports nothing from entrypoints, components, relay or cli.' },
      ] }],
    },
  },
  {
    files: ['entrypoints/content*/**', 'entrypoints/content*.ts', 'lib/content/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/lib/crypto/**', '@/lib/crypto/**', '**/lib/legacy/**', '@/lib/legacy/**', '**/lib/keyring/**', '@/lib/keyring/**', 'preact', 'preact/*', '@hpke/*', 'dexie', 'cryptico', '**/components/**', '@/components/**'], message: 'The content script runs beside hostile page code: no crypto, keyring or UI code here.' },
      ] }],
    },
  },
  {
    files: ['relay/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/entrypoints/**', '@/entrypoints/**', '**/components/**', '@/components/**', '**/cli/**', '@/cli/**', 'preact', 'preact/*', 'dexie', '**/lib/keyring/**', '**/lib/legacy/**'], message: 'The relay imports only what a server needs from lib/.' },
      ] }],
    },
  },
  {
    files: ['cli/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/relay/**', '@/relay/**', '**/entrypoints/**', '**/components/**', 'preact', 'preact/*'], message: 'The CLI uses lib/ and talks to the relay only over the wire protocol.' },
      ] }],
    },
  },
  {
    files: ['components/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['dexie', '@hpke/*', 'cryptico', '**/lib/crypto/**', '@/lib/crypto/**', '**/lib/keyring/**', '@/lib/keyring/**', '**/lib/legacy/**'], message: 'UI components receive data and callbacks; they do not open databases or call crypto.' },
      ] }],
    },
  },
);

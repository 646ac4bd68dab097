import tseslint from 'typescript-eslint';
import nounsanitized from 'eslint-plugin-no-unsanitized';

/** A `no-restricted-imports` pattern group as one regular expression over import specifiers. */
function specifierPattern(groups) {
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return groups
    .map((g) => {
      // '**/x/**': a path through a folder x; '**/x': a module x anywhere.
      if (g.startsWith('**/')) return /\/\*\*?$/.test(g) ? `(^|\\/)${escape(g.slice(3).replace(/\/\*\*?$/, ''))}\\/` : `(^|\\/)${escape(g.slice(3))}$`;
      if (/\/\*\*?$/.test(g)) return `^${escape(g.replace(/\/\*\*?$/, ''))}\\/`;
      return `^${escape(g)}$`;
    })
    .join('|');
}

/** An import boundary for `files`: static imports, and dynamic `import()` of a literal, which the first rule does not see. */
function boundary(files, groups, message, ignores = []) {
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }],
      'no-restricted-syntax': ['error', { selector: `ImportExpression > Literal[value=/${specifierPattern(groups)}/]`, message }],
    },
  };
}

const UI_FORBIDDEN = ['dexie', '@hpke/*', 'cryptico', '**/lib/crypto/**', '@/lib/crypto/**', '**/lib/keyring/**', '@/lib/keyring/**', '**/lib/legacy/**'];

// Import boundaries (docs/DESIGN.md, "Layout follows trust") are enforced here, next to the rule that forbids unsanitized DOM writes.
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
  boundary(['lib/**'], ['**/entrypoints/**', '@/entrypoints/**', '**/components/**', '@/components/**', '**/relay/**', '@/relay/**', '**/cli/**', '@/cli/**'], 'lib/ is the shared core: it imports nothing from entrypoints, components, relay or cli.'),
  boundary(['entrypoints/content*/**', 'entrypoints/content*.ts', 'lib/content/**'], ['**/lib/crypto/**', '@/lib/crypto/**', '**/lib/legacy/**', '@/lib/legacy/**', '**/lib/keyring/**', '@/lib/keyring/**', 'preact', 'preact/*', '@hpke/*', 'dexie', 'cryptico', '**/components/**', '@/components/**'], 'The content script runs beside hostile page code: no crypto, keyring or UI code here.'),
  boundary(['relay/**'], ['**/entrypoints/**', '@/entrypoints/**', '**/components/**', '@/components/**', '**/cli/**', '@/cli/**', 'preact', 'preact/*', 'dexie', '**/lib/keyring/**', '**/lib/legacy/**'], 'The relay imports only what a server needs from lib/.'),
  boundary(['cli/**'], ['**/relay/**', '@/relay/**', '**/entrypoints/**', '**/components/**', 'preact', 'preact/*'], 'The CLI uses lib/ and talks to the relay only over the wire protocol.'),
  // Components receive data and callbacks; the few that call the background themselves live in components/connected/.
  boundary(['components/connected/**'], UI_FORBIDDEN, 'UI components do not open databases or call crypto.'),
  boundary(['components/**'], [...UI_FORBIDDEN, '**/background-client', '**/background-request'], 'UI components receive data and callbacks; they do not open databases, call crypto or call the background (except those in components/connected/).', ['components/connected/**']),
);

// The import boundaries of eslint.config.js hold for dynamic import() as well as for static imports: each
// case is linted as if it were a file at that place in the tree.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('import boundaries', () => {
  it.each([
    ['lib/probe.ts', "export const x = () => import('../entrypoints/background/refusals');"],
    ['lib/probe.ts', "export const x = () => import('@/components/Icon');"],
    ['entrypoints/content/probe.ts', "export const x = () => import('@/lib/crypto/padme');"],
    ['entrypoints/content/probe.ts', "export const x = () => import('preact');"],
    ['relay/probe.ts', "export const x = () => import('../lib/keyring/db');"],
    ['cli/probe.ts', "export const x = () => import('../relay/admin');"],
    ['components/popup/Probe.tsx', "export const x = () => import('@/entrypoints/shared/background-client');"],
  ])('%s: a dynamic %s is refused', async (file, code) => {
    expect(await ruleIds(file, code)).toContain('no-restricted-syntax');
  });

  it('the same imports where they are allowed pass, statically and dynamically', async () => {
    expect(await ruleIds('lib/probe.ts', "export const x = () => import('./bytes');")).toEqual([]);
    expect(await ruleIds('cli/probe.ts', "export const x = () => import('./commands/relay');")).toEqual([]);
    expect(await ruleIds('components/connected/Probe.tsx', "import { callBackground } from '@/entrypoints/shared/background-client';\nexport const x = callBackground;")).toEqual([]);
    expect(await ruleIds('components/popup/Probe.tsx', "import { callBackground } from '@/entrypoints/shared/background-client';\nexport const x = callBackground;")).toContain('no-restricted-imports');
  });
});

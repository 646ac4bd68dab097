// The extension bundles cryptico with scripts/vite-cryptico.ts. Build a real bundle of lib/legacy with
// the same Vite and that plugin, check the hash shim replaced Node's crypto, and run the bundle (an ES
// module, so strict mode: cryptico's undeclared assignments would throw without the plugin).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash as nodeCreateHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { crypticoPlugin } from '../../../scripts/vite-cryptico';
import { createHash } from '../../../lib/legacy/node-crypto-shim';

const root = resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'c2c-legacy-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('node-crypto-shim', () => {
  it.each(['sha256', 'sha1', 'md5'])('%s matches Node for ASCII, Latin-1 and astral text', (alg) => {
    for (const text of ['', 'abc', 'caf\u00e9 \u00ff', 'Привет 👋', 'x'.repeat(1000)]) {
      const ours = createHash(alg).update(text, 'utf8').update('+tail').digest('hex');
      expect(ours).toBe(nodeCreateHash(alg).update(text, 'utf8').update('+tail').digest('hex'));
    }
  });

  it('refuses an algorithm it does not have', () => {
    expect(() => createHash('sha512')).toThrow(/not available/);
  });
});

describe('vite-cryptico plugin', () => {
  it('produces a bundle in which the legacy suite runs', async () => {
    const entry = join(work, 'entry.ts');
    writeFileSync(
      entry,
      `export * from ${JSON.stringify(join(root, 'lib/legacy/cryptico-suite.ts'))};\n`,
    );
    await build({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [crypticoPlugin()],
      build: {
        outDir: join(work, 'out'),
        minify: false,
        lib: { entry, formats: ['es'], fileName: 'legacy' },
      },
    });
    const file = join(work, 'out', 'legacy.js');
    const code = readFileSync(file, 'utf8');
    expect(code).toContain('lib/legacy/node-crypto-shim.ts');
    expect(code).not.toMatch(/require\(["']crypto["']\)|__vite-browser-external/);
    for (const name of ['sPaddedMessageHex', 'v', 'i', 'pubkey', 'signString']) expect(code).toMatch(new RegExp(`var ${name}[;,]`));

    // eslint-disable-next-line no-unsanitized/method -- the file is the bundle this test just built
    const bundled = (await import(pathToFileURL(file).href)) as typeof import('../../../lib/legacy/cryptico-suite');
    const key = await bundled.generateLegacyKey(1024);
    const cipher = bundled.legacyEncrypt('Привет from the bundle', key.publicKey, key);
    const opened = bundled.legacyDecrypt(cipher, key, key.publicKey);
    expect(opened).toMatchObject({ plaintext: 'Привет from the bundle', status: 'verified-legacy-signature' });
  });
});

// The store packages (`npm run zip`, scripts/zip.mjs): built once in the checkout and once more, as an
// AMO reviewer would, from the unpacked source zip in another folder. Both runs must give byte-identical
// zips (which also shows that no absolute path, build time or random id gets into them), from the store
// build even when C2C_TEST_BUILD is set, and the Firefox zip must pass `web-ext lint` as AMO runs it.
// About 30–80 s, with the machine's load: two builds per browser and one lint.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixZipDates, FIXED_DOS_DATE } from '../../../scripts/zip-dates';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'node_modules', '.bin');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ZIPS = {
  chrome: `crypt2chat-${VERSION}-chrome.zip`,
  firefox: `crypt2chat-${VERSION}-firefox.zip`,
  source: `crypt2chat-${VERSION}-amo-source.zip`,
};
const BUILD_MINUTES = 3;

let work: string;
let first: string;
let second: string;
let sourceTree: string;
let lint: Promise<string>;

/** `npm run zip` in `cwd` into `out`, with the test build's variable and a development NODE_ENV set: it must ignore both. */
async function zipInto(cwd: string, out: string): Promise<void> {
  await run(process.execPath, ['scripts/zip.mjs'], { cwd, env: { ...process.env, C2C_OUT_DIR: out, C2C_TEST_BUILD: '1', NODE_ENV: 'development' }, maxBuffer: 64 << 20 });
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

interface Entry {
  name: string;
  date: number;
  time: number;
  content(): Buffer;
}

/** The entries of a zip, from its central directory (read here, so the test needs no unzip tool). */
function entries(path: string): Entry[] {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const list: Entry[] = [];
  let at = zip.readUInt32LE(end + 16);
  for (let i = zip.readUInt16LE(end + 10); i > 0; i -= 1) {
    const nameLength = zip.readUInt16LE(at + 28);
    const [method, size, local] = [zip.readUInt16LE(at + 10), zip.readUInt32LE(at + 20), zip.readUInt32LE(at + 42)];
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    list.push({
      name: zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'),
      time: zip.readUInt16LE(at + 12),
      date: zip.readUInt16LE(at + 14),
      content: () => (method === 8 ? inflateRawSync(data) : Buffer.from(data)),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return list;
}

function manifestIn(zip: string): Record<string, unknown> {
  const manifest = entries(zip).find((e) => e.name === 'manifest.json');
  if (!manifest) throw new Error(`${zip} has no manifest.json`);
  return JSON.parse(manifest.content().toString('utf8')) as Record<string, unknown>;
}

/** Writes every entry of `zip` under `dir`. */
function unpack(zip: string, dir: string): void {
  for (const entry of entries(zip)) {
    mkdirSync(dirname(join(dir, entry.name)), { recursive: true });
    writeFileSync(join(dir, entry.name), entry.content());
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'c2c-store-'));
  first = join(work, 'first');
  second = join(work, 'second');
  sourceTree = join(work, 'source');
  await zipInto(ROOT, first);
  // Beside the second build: the lint needs only the first build's Firefox zip.
  lint = run(join(BIN, 'web-ext'), ['lint', '--output', 'json', '--no-config-discovery', '--source-dir', join(first, ZIPS.firefox)], { maxBuffer: 64 << 20 }).then((r) => r.stdout);
  lint.catch(() => undefined); // read (and failed on) in its test
  unpack(join(first, ZIPS.source), sourceTree);
  // What `npm ci` would install from the lock file; the checkout's copy, so the test runs offline.
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(sourceTree, 'node_modules'));
  await zipInto(sourceTree, second);
}, BUILD_MINUTES * 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run zip', () => {
  it('gives byte-identical zips when built again from the source zip, in another folder', () => {
    for (const name of Object.values(ZIPS)) expect(sha256(join(second, name)), name).toBe(sha256(join(first, name)));
  });

  it('packs the store build: no host granted at install, no test content script, the icons listed', () => {
    for (const zip of [ZIPS.chrome, ZIPS.firefox]) {
      const manifest = manifestIn(join(first, zip));
      expect(manifest.host_permissions, zip).toEqual([]);
      expect(manifest.content_scripts, zip).toBeUndefined();
      expect(manifest.icons, zip).toMatchObject({ 16: 'icon/16.png', 48: 'icon/48.png', 128: 'icon/128.png' });
      const names = entries(join(first, zip)).map((e) => e.name);
      expect(names).toContain('icon/128.png');
    }
    const gecko = manifestIn(join(first, ZIPS.firefox)).browser_specific_settings as { gecko: Record<string, unknown> };
    expect(gecko.gecko).toMatchObject({ id: 'crypt2chat@crypt2chat.org', data_collection_permissions: { required: ['none'] } });
  });

  it('holds in the source zip the instructions, the lock file and the build inputs, and nothing else', () => {
    const names = entries(join(first, ZIPS.source)).map((e) => e.name);
    for (const needed of ['docs/BUILD-FROM-SOURCE.md', 'package-lock.json', 'package.json', 'wxt.config.ts', 'scripts/zip.mjs', 'public/icon/128.png']) {
      expect(names).toContain(needed);
    }
    expect(names.some((n) => n.startsWith('entrypoints/background/'))).toBe(true);
    const unwanted = names.filter((n) => /^(node_modules|\.output|\.wxt|tests|dist|coverage|reports|relay|cli|bench|fuzz)\//.test(n) || n.split('/').some((part) => part.startsWith('.')));
    expect(unwanted).toEqual([]);
  });

  it('sorts the entries and dates each 1980-01-01 00:00 in every zip', () => {
    for (const name of Object.values(ZIPS)) {
      const list = entries(join(first, name));
      expect(list.length, name).toBeGreaterThan(10);
      expect(list.map((e) => e.name), name).toEqual(list.map((e) => e.name).sort());
      expect(list.filter((e) => e.date !== FIXED_DOS_DATE || e.time !== 0), name).toEqual([]);
    }
  });

  it('puts no path of the machine that built them into the bundles', () => {
    const paths = [ROOT, realpathSync(ROOT), realpathSync(join(ROOT, 'node_modules')), work, tmpdir()];
    for (const dir of ['chrome-mv3', 'firefox-mv3']) {
      const base = join(first, dir);
      for (const file of readdirSync(base, { recursive: true, encoding: 'utf8' })) {
        if (!/\.(js|html|css|json)$/.test(file)) continue;
        const text = readFileSync(join(base, file), 'utf8');
        for (const path of paths) expect(text.includes(path), `${dir}/${file} contains ${path}`).toBe(false);
      }
    }
  });

  it('passes web-ext lint as AMO runs it: 0 errors, 0 warnings, 0 notices', async () => {
    const report = JSON.parse(await lint) as { errors: unknown[]; warnings: unknown[]; notices: unknown[] };
    expect({ errors: report.errors, warnings: report.warnings, notices: report.notices }).toEqual({ errors: [], warnings: [], notices: [] });
  });
});

describe('fixZipDates', () => {
  it('refuses a file that is not a zip, with its name, and leaves it as it was', () => {
    const file = join(work, 'not-a-zip.zip');
    writeFileSync(file, 'PK but no central directory');
    expect(() => fixZipDates(file)).toThrow(`${file}: no zip end record`);
    expect(readFileSync(file, 'utf8')).toBe('PK but no central directory');
  });

  it('refuses a zip whose directory points outside its entries', () => {
    const zip = join(work, 'broken.zip');
    writeFileSync(zip, readFileSync(join(first, ZIPS.chrome)));
    const bytes = readFileSync(zip);
    const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    bytes.writeUInt32LE(bytes.readUInt32LE(end + 16) + 1, end + 16); // the directory's offset, one byte off
    writeFileSync(zip, bytes);
    expect(() => fixZipDates(zip)).toThrow(`${zip}: entry 0 has no central header`);
    expect(sha256(zip)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});

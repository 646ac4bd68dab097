// The store listing in store/ (store/README.md): what a store reviewer and a user see before installing.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const STORE = join(ROOT, 'store');

/** Each listing's headings, in its own language. */
const LISTINGS = {
  en: { short: 'Short description', long: 'Long description', notProtected: 'What it does not protect' },
  ru: { short: 'Краткое описание', long: 'Полное описание', notProtected: 'От чего расширение не защищает' },
};

/** The text under `## heading`, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const body = markdown.slice(start + heading.length + 5);
  const end = body.indexOf('\n## ');
  return (end < 0 ? body : body.slice(0, end)).trim();
}

describe('store listing', () => {
  for (const [lang, headings] of Object.entries(LISTINGS)) {
    const listing = readFileSync(join(STORE, `listing.${lang}.md`), 'utf8');

    it(`${lang}: the short description is the manifest's, and fits the Chrome Web Store's 132 characters`, () => {
      const messages = JSON.parse(readFileSync(join(ROOT, 'public', '_locales', lang, 'messages.json'), 'utf8')) as Record<string, { message: string }>;
      const short = section(listing, headings.short);
      expect(short).toBe(messages.extDescription!.message);
      expect([...short].length).toBeLessThanOrEqual(132);
    });

    it(`${lang}: the long description says what is not protected and fits the stores' limits`, () => {
      const long = section(listing, headings.long);
      expect(long).toContain(headings.notProtected);
      expect(long.length).toBeLessThanOrEqual(16_000);
      // Claims a security product must not make.
      expect(long).not.toMatch(/unbreakable|military|100\s*%|взломать невозможно|абсолютн/i);
    });
  }

  it('has five screenshots (the Chrome Web Store takes at most five), each a 1280×800 PNG', () => {
    const shots = readdirSync(join(STORE, 'screenshots')).filter((f) => f.endsWith('.png'));
    expect(shots.length).toBe(5);
    for (const shot of shots) {
      const png = readFileSync(join(STORE, 'screenshots', shot));
      expect(png.subarray(1, 4).toString('latin1'), shot).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)], shot).toEqual([1280, 800]);
    }
  });
});

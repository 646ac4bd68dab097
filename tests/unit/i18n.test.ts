// The extension speaks English and Russian from day one. This test fails on a key missing in either
// catalogue, a key used in code but not defined, a defined key nothing uses, and a hard-coded
// user-visible string in the popup's JSX.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const LOCALES = ['en', 'ru'] as const;
// Keys the manifest uses (as __MSG_name__) rather than code.
const MANIFEST_KEYS = new Set(['extName', 'extDescription']);
// JSX attributes whose text a person sees or hears.
const VISIBLE_ATTRIBUTES = new Set(['placeholder', 'title', 'alt', 'aria-label', 'aria-description', 'label', 'aria-placeholder']);

type Catalogue = Record<string, { message: string; description?: string }>;

function loadCatalogue(locale: string): Catalogue {
  return JSON.parse(readFileSync(join(root, 'public', '_locales', locale, 'messages.json'), 'utf8')) as Catalogue;
}

function sourceFiles(dir: string): string[] {
  const abs = join(root, dir);
  return readdirSync(abs).flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return sourceFiles(relative(root, path));
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

const UI_DIRS = ['components', 'entrypoints'];
const uiFiles = UI_DIRS.flatMap(sourceFiles);

/** Keys passed literally to t(...) or browser.i18n.getMessage(...). */
function usedKeys(source: string): string[] {
  return [...source.matchAll(/\b(?:t|getMessage)\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** Every quoted identifier-like literal: keys also appear as values of maps such as ERROR_MESSAGE_KEY. */
function quotedWords(source: string): Set<string> {
  return new Set([...source.matchAll(/['"]([A-Za-z0-9_@]+)['"]/g)].map((m) => m[1]!));
}

/** JSX text and visible attributes written as literals rather than through t(). */
function hardCodedStrings(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const hasWords = (s: string) => /\p{L}/u.test(s);
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && hasWords(node.text)) found.push(node.text.trim());
    if (ts.isJsxAttribute(node) && VISIBLE_ATTRIBUTES.has(node.name.getText(file))) {
      const init = node.initializer;
      const literal = init && ts.isJsxExpression(init) ? init.expression : init;
      if (literal && (ts.isStringLiteral(literal) || ts.isNoSubstitutionTemplateLiteral(literal)) && hasWords(literal.text)) {
        found.push(literal.text);
      }
    }
    // A string literal as a JSX child, e.g. {'Send'}.
    if (ts.isJsxExpression(node) && node.expression && ts.isStringLiteral(node.expression) && ts.isJsxElement(node.parent)) {
      if (hasWords(node.expression.text)) found.push(node.expression.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('i18n catalogues', () => {
  const catalogues = Object.fromEntries(LOCALES.map((l) => [l, loadCatalogue(l)])) as Record<(typeof LOCALES)[number], Catalogue>;

  it('en and ru define exactly the same keys, each with a non-empty message', () => {
    const en = Object.keys(catalogues.en).sort();
    const ru = Object.keys(catalogues.ru).sort();
    expect(ru.filter((k) => !en.includes(k)), 'keys only in ru').toEqual([]);
    expect(en.filter((k) => !ru.includes(k)), 'keys missing in ru').toEqual([]);
    for (const locale of LOCALES) {
      for (const [key, entry] of Object.entries(catalogues[locale])) {
        expect(entry.message.trim(), `${locale}/${key}`).not.toBe('');
      }
    }
  });

  it('the Russian catalogue is translated: every message with words has Cyrillic in it', () => {
    const untranslated = Object.entries(catalogues.ru)
      .filter(([key]) => !['extName', 'popupTitle'].includes(key)) // the product name stays as it is
      .filter(([, v]) => /\p{L}/u.test(v.message) && !/\p{Script=Cyrillic}/u.test(v.message))
      .map(([k]) => k);
    expect(untranslated).toEqual([]);
  });

  it('every key used in code is defined, and every defined key is used', () => {
    const used = new Set<string>();
    const quoted = new Set<string>();
    for (const f of uiFiles) {
      const src = readFileSync(f, 'utf8');
      usedKeys(src).forEach((k) => used.add(k));
      quotedWords(src).forEach((k) => quoted.add(k));
    }
    expect(used.size).toBeGreaterThan(10);
    const defined = Object.keys(catalogues.en);
    expect([...used].filter((k) => !k.startsWith('@@') && !defined.includes(k)), 'used but not defined').toEqual([]);
    expect(defined.filter((k) => !MANIFEST_KEYS.has(k) && !quoted.has(k)), 'defined but never used').toEqual([]);
  });

  it('the manifest takes its name and description from the catalogue', () => {
    const config = readFileSync(join(root, 'wxt.config.ts'), 'utf8');
    for (const key of MANIFEST_KEYS) expect(config).toContain(`__MSG_${key}__`);
  });
});

describe('no hard-coded user-visible strings in the popup and the chat page', () => {
  const popupFiles = uiFiles.filter((f) => /\/(components\/(popup|chat)|entrypoints\/(popup|chat))\//.test(f) && f.endsWith('.tsx'));

  it('finds the popup components to scan', () => {
    expect(popupFiles.length).toBeGreaterThanOrEqual(4);
  });

  it('JSX text and visible attributes all come from t()', () => {
    const offenders = popupFiles.flatMap((f) =>
      hardCodedStrings(f, readFileSync(f, 'utf8')).map((s) => `${relative(root, f)}: ${JSON.stringify(s)}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the scanner catches text nodes, visible attributes and literal children', () => {
    const sample = `export const A = () => (
      <div>
        Create identity
        <input placeholder="Your handle" aria-label={'Handle'} data-testid="onboard-handle" />
        <button>{'Send'}</button>
        <p>{t('ok')} · 42</p>
      </div>
    );`;
    expect(hardCodedStrings('sample.tsx', sample)).toEqual(['Create identity', 'Your handle', 'Handle', 'Send']);
  });
});

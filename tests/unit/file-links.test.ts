// `.c2c` links in host pages: which links the content script marks (lib/content/file-link.ts) and what the
// background accepts from a marker's click (entrypoints/background/file-links.ts).
import { describe, expect, it } from 'vitest';
import { FILE_LINK, FILE_LINK_KEY_PREFIX, isEncryptedFileLink, linkedFileName } from '@/lib/content/file-link';
import { routeFileLink } from '@/entrypoints/background/file-links';

describe('.c2c links', () => {
  it('marks http(s) links whose path or download name ends in .c2c, and nothing else', () => {
    expect(isEncryptedFileLink('https://chat.example/files/a.c2c', null)).toBe(true);
    expect(isEncryptedFileLink('https://chat.example/files/A.C2C?token=1#x', null)).toBe(true);
    expect(isEncryptedFileLink('https://chat.example/attachment/42', 'report.pdf.c2c')).toBe(true);
    expect(isEncryptedFileLink('https://chat.example/attachment/42', 'report.pdf')).toBe(false);
    // The query or fragment is not the file's name.
    expect(isEncryptedFileLink('https://chat.example/download?name=a.c2c', null)).toBe(false);
    expect(isEncryptedFileLink('https://chat.example/a#b.c2c', null)).toBe(false);
    for (const href of ['javascript:alert(1)//.c2c', 'data:text/plain,x.c2c', 'file:///tmp/a.c2c', 'not a url.c2c']) {
      expect(isEncryptedFileLink(href, 'a.c2c'), href).toBe(false);
    }
  });

  it('a linked file is named by its address, even when the page broke its percent-encoding', () => {
    expect(linkedFileName('https://chat.example/f/%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf.c2c?x=1')).toBe('отчёт.pdf.c2c');
    // The page chooses the address: a bad escape must not stop the file opening (it once threw a URIError).
    expect(isEncryptedFileLink('https://evil.example/%E0%A4%A.c2c', null)).toBe(true);
    expect(linkedFileName('https://evil.example/%E0%A4%A.c2c')).toBe('%E0%A4%A.c2c');
    expect(linkedFileName('https://chat.example/')).toBe('');
  });

  it('the background keeps the address under a random id and opens the popup page for it', async () => {
    const kept = new Map<string, string>();
    const opened: string[] = [];
    const host = { keep: async (key: string, url: string) => void kept.set(key, url), openPage: async (path: string) => void opened.push(path) };
    const sender = { id: 'ext', url: 'https://chat.example/room', tab: { id: 3 } };
    expect(await routeFileLink({ type: FILE_LINK, url: 'https://chat.example/f/a.c2c' }, sender, 'ext', host)).toEqual({ ok: true });
    const [key] = [...kept.keys()];
    expect(key).toMatch(new RegExp(`^${FILE_LINK_KEY_PREFIX}[0-9a-f]{32}$`));
    expect(kept.get(key!)).toBe('https://chat.example/f/a.c2c');
    expect(opened).toEqual([`/popup.html#file-link=${key!.slice(FILE_LINK_KEY_PREFIX.length)}`]);
  });

  it('refuses other senders and anything but one http(s) address', async () => {
    const host = { keep: async () => undefined, openPage: async () => expect.fail('nothing may open') };
    const tab = { id: 'ext', url: 'https://chat.example/', tab: { id: 1 } };
    const code = async (raw: unknown, sender: object = tab) => {
      const r = await routeFileLink(raw, sender, 'ext', host);
      return r.ok ? 'ok' : r.error.code;
    };
    // Another extension, or one of our pages (not a tab's content script).
    expect(await code({ type: FILE_LINK, url: 'https://a/b.c2c' }, { id: 'other', tab: { id: 1 } })).toBe('forbidden');
    expect(await code({ type: FILE_LINK, url: 'https://a/b.c2c' }, { id: 'ext', url: 'chrome-extension://ext/popup.html' })).toBe('forbidden');
    expect(await code({ type: FILE_LINK, url: 'javascript:alert(1)' })).toBe('bad-request');
    expect(await code({ type: FILE_LINK, url: `https://a/${'x'.repeat(2100)}.c2c` })).toBe('bad-request');
    expect(await code({ type: FILE_LINK, url: 'https://a/b.c2c', extra: 1 })).toBe('bad-request');
    expect(await code({ type: FILE_LINK, url: 42 })).toBe('bad-request');
  });
});

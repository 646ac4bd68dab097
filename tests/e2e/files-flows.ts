// Encrypted files from the popup, as a person uses them (files-chromium.test.ts, files-firefox.test.ts):
// pick a file, tick a contact, encrypt and save; pick the .c2c file, see who sent it, decrypt and save.
// Saving: Chromium's save picker is a native dialog no driver can answer, so the test answers it as the
// user would, with a file handle: one in the page's origin private file system (the same
// FileSystemFileHandle and writable stream the picker returns). Firefox saves through a link to a blob,
// which the test reads as the browser would download it.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../relay/harness';
import { byTestId, launchWithExtension, openExtensionPage, type BrowserKind, type ExtensionSession } from './harness';
import { bundleOf, clickWhenEnabled, onboardInPopup, pin, textOf } from './flows';

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Writes `bytes` to `dir/name` and chooses it in the file input `testId`. */
export async function chooseFile(page: Page, testId: string, dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const input = (await page.waitForSelector(`${byTestId(testId)}:not([disabled])`)) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(path);
}

/** Chromium: the save picker answers with a fresh, empty file `name` in the page's private file system. */
export async function answerSavePicker(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async ({ suggestedName }: { suggestedName: string }) => {
      const root = await navigator.storage.getDirectory();
      await root.removeEntry(suggestedName).catch(() => undefined);
      (window as unknown as { savedAs: string }).savedAs = suggestedName;
      return root.getFileHandle(suggestedName, { create: true });
    };
  });
}

type Base64 = { toBase64(): string };

/** What was saved under `name` (Chromium: the picked file; Firefox: the offered link), or null for nothing. */
export async function savedFile(page: Page, kind: BrowserKind, name: string): Promise<Uint8Array | null> {
  const text =
    kind === 'chromium'
      ? await page.evaluate(async (n) => {
          const root = await navigator.storage.getDirectory();
          const handle = await root.getFileHandle(n).catch(() => null);
          if (!handle) return null;
          return (new Uint8Array(await (await handle.getFile()).arrayBuffer()) as unknown as Base64).toBase64();
        }, name)
      : await page.evaluate(async (n) => {
          const link = document.querySelector<HTMLAnchorElement>('[data-testid="file-save-link"]');
          if (!link || link.download !== n) return null;
          return (new Uint8Array(await (await fetch(link.href)).arrayBuffer()) as unknown as Base64).toBase64();
        }, name);
  return text === null ? null : new Uint8Array(Buffer.from(text, 'base64'));
}

/** Encrypts the chosen file to `recipients` and waits until the popup says it is done. */
export async function encryptFile(page: Page, kind: BrowserKind, dir: string, name: string, bytes: Uint8Array, recipients: string[]): Promise<Uint8Array> {
  await chooseFile(page, 'file-encrypt-input', dir, name, bytes);
  for (const handle of recipients) await page.click(`${byTestId('file-recipient')}[data-handle="${handle}"]`);
  if (kind === 'chromium') await answerSavePicker(page);
  await clickWhenEnabled(page, byTestId('file-encrypt'));
  await page.waitForSelector(`${byTestId('file-job')}[data-kind="encrypt"][data-phase="done"]`, { timeout: 60_000 });
  const saved = await savedFile(page, kind, `${name}.c2c`);
  expect(saved).not.toBeNull();
  return saved!;
}

/** Chooses an encrypted file, checks what its header says, decrypts; resolves to the outcome shown. */
export async function decryptFile(page: Page, kind: BrowserKind, dir: string, fileName: string, encrypted: Uint8Array): Promise<{ name: string; sender: string | null; phase: string; code: string | null }> {
  await chooseFile(page, 'file-decrypt-input', dir, fileName, encrypted);
  const shown = await page.waitForSelector(`${byTestId('file-job')}[data-kind="decrypt"]:is([data-phase="opened"], [data-phase="failed"])`, { timeout: 60_000 });
  let phase = await shown!.evaluate((e) => e.getAttribute('data-phase')!);
  let name = '';
  let sender: string | null = null;
  if (phase === 'opened') {
    name = await textOf(page, 'file-decrypt-name');
    sender = await page.$eval(byTestId('file-decrypt-sender'), (e) => e.getAttribute('data-status'));
    if (kind === 'chromium') await answerSavePicker(page);
    await clickWhenEnabled(page, byTestId('file-decrypt-save'));
    const ended = await page.waitForSelector(`${byTestId('file-job')}[data-kind="decrypt"]:is([data-phase="done"], [data-phase="failed"])`, { timeout: 60_000 });
    phase = await ended!.evaluate((e) => e.getAttribute('data-phase')!);
  }
  const code = phase === 'failed' ? await page.$eval(byTestId('file-error'), (e) => e.getAttribute('data-code')) : null;
  return { name, sender, phase, code };
}

/** Clicks Cancel as soon as the running job has read part of its file; resolves to how far it had got. */
export async function cancelMidway(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const timer = setInterval(() => {
          const progress = document.querySelector<HTMLProgressElement>('[data-testid="file-progress"]');
          if (!progress || progress.value <= 0) return;
          clearInterval(timer);
          document.querySelector<HTMLButtonElement>('[data-testid="file-cancel"]')!.click();
          resolve(progress.value);
        }, 2);
      }),
  );
}

/**
 * The popup's file round trip between two profiles, a tampered file, a file for someone else, and cancel,
 * in one browser. Both profiles pinned each other without a relay (key lines), as files need no relay.
 */
export function describeFileFlows(kind: BrowserKind): void {
  describe(`${kind} popup: encrypted files`, () => {
    let alice: ExtensionSession;
    let bob: ExtensionSession;
    let carol: ExtensionSession;
    let alicePage: Page;
    let bobPage: Page;
    let carolPage: Page;
    let dir = '';
    const original = new Uint8Array(randomBytes(3 * 1024 * 1024 + 4321));
    let encrypted: Uint8Array = new Uint8Array();

    beforeAll(async () => {
      dir = tempDir('c2c-files-');
      [alice, bob, carol] = await Promise.all([launchWithExtension(kind), launchWithExtension(kind), launchWithExtension(kind)]);
      ({ page: alicePage } = await onboardInPopup(alice, 'alice'));
      ({ page: bobPage } = await onboardInPopup(bob, 'bob'));
      ({ page: carolPage } = await onboardInPopup(carol, 'carol'));
      await pin(alicePage, 'bob', await bundleOf(bobPage));
      await pin(bobPage, 'alice', await bundleOf(alicePage));
      // The popups show contacts they read when opened.
      await Promise.all([alicePage.close(), bobPage.close()]);
      [alicePage, bobPage] = [await alice.openPopup(), await bob.openPopup()];
    });

    afterAll(async () => {
      await Promise.all([alice?.close(), bob?.close(), carol?.close()]);
    });

    it('encrypts a 3 MiB file to a contact; the contact decrypts the same bytes, named and signed by the sender', async () => {
      encrypted = await encryptFile(alicePage, kind, dir, 'holiday photos.tar', original, ['bob']);
      expect(encrypted.length).toBeGreaterThan(original.length);
      // The name is inside the encryption, not in the clear.
      expect(Buffer.from(encrypted).includes(Buffer.from('holiday photos'))).toBe(false);

      const outcome = await decryptFile(bobPage, kind, dir, 'received.c2c', encrypted);
      expect(outcome).toEqual({ name: 'holiday photos.tar', sender: 'pinned', phase: 'done', code: null });
      const saved = await savedFile(bobPage, kind, 'holiday photos.tar');
      expect(saved?.length).toBe(original.length);
      expect(sha256(saved!)).toBe(sha256(original));
    });

    it('the side panel decrypts the same file', async () => {
      // The panel bound to a tab (docs/TESTING.md): here the popup's own tab.
      const tabId = await bobPage.evaluate(async () => {
        type Tabs = { tabs: { getCurrent(): Promise<{ id?: number } | undefined> } };
        const g = globalThis as unknown as { browser?: Tabs; chrome?: Tabs };
        return (await (g.browser ?? g.chrome)!.tabs.getCurrent())?.id;
      });
      const panel = await openExtensionPage(bob.browser, kind, `${bob.baseUrl}sidepanel.html?tab=${tabId}`);
      const outcome = await decryptFile(panel, kind, dir, 'in-panel.c2c', encrypted);
      expect(outcome).toEqual({ name: 'holiday photos.tar', sender: 'pinned', phase: 'done', code: null });
      expect(sha256((await savedFile(panel, kind, 'holiday photos.tar'))!)).toBe(sha256(original));
      await panel.close();
    });

    it('a tampered file: a specific error, and no plaintext saved under the name', async () => {
      const tampered = encrypted.slice();
      tampered[Math.floor(tampered.length / 2)]! ^= 0x40;
      const outcome = await decryptFile(bobPage, kind, dir, 'tampered.c2c', tampered);
      expect(outcome).toMatchObject({ name: 'holiday photos.tar', phase: 'failed', code: 'tampered' });
      expect(await textOf(bobPage, 'file-error')).toMatch(/altered/);
      const saved = await savedFile(bobPage, kind, 'holiday photos.tar');
      // Chromium: the picked file stays as the picker made it (empty); Firefox offers no link at all.
      expect(saved === null || saved.length === 0).toBe(true);
      // A cut file is refused too, by its own error.
      const cut = await decryptFile(bobPage, kind, dir, 'cut.c2c', encrypted.subarray(0, encrypted.length - 1000));
      expect(cut).toMatchObject({ phase: 'failed', code: 'truncated' });
    });

    it('a .c2c link in a host page gets a marker; a click decrypts it in our page, fetched without credentials', async () => {
      const host = await serveChat(encrypted);
      try {
        const chat = await bob.browser.newPage();
        await chat.goto(`${host.url}/chat`);
        // Both the link there at load and one the page adds later get a marker; other links do not.
        await chat.evaluate(() => {
          const later = document.createElement('a');
          later.href = '/private/minutes.c2c';
          later.textContent = 'minutes';
          document.querySelector('#messages')!.append(later);
        });
        await chat.waitForFunction(() => document.querySelectorAll('[data-c2c="file-link"]').length === 2);
        expect(await chat.$$eval('[data-c2c="file-link"]', (all) => all.map((m) => (m.previousElementSibling as HTMLAnchorElement).getAttribute('href')))).toEqual([
          '/files/holiday.tar.c2c',
          '/private/minutes.c2c',
        ]);
        // A click the page makes itself opens nothing.
        const pagesBefore = (await bob.browser.pages()).length;
        await chat.$eval('[data-c2c="file-link"]', (m) => (m as HTMLButtonElement).click());
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect((await bob.browser.pages()).length).toBe(pagesBefore);

        const opened = await newPageAfter(bob, () => chat.click('[data-c2c="file-link"]'));
        await opened.waitForSelector(`${byTestId('file-job')}[data-kind="decrypt"][data-phase="opened"]`, { timeout: 60_000 });
        expect(await textOf(opened, 'file-linked-from')).toContain(new URL(host.url).host);
        expect(await textOf(opened, 'file-decrypt-name')).toBe('holiday photos.tar');
        if (kind === 'chromium') await answerSavePicker(opened);
        await clickWhenEnabled(opened, byTestId('file-decrypt-save'));
        await opened.waitForSelector(`${byTestId('file-job')}[data-phase="done"]`, { timeout: 60_000 });
        expect(sha256((await savedFile(opened, kind, 'holiday photos.tar'))!)).toBe(sha256(original));
        // The file was fetched with no cookie, although the site set one.
        expect(host.requests.find((r) => r.path === '/files/holiday.tar.c2c')?.cookie).toBeUndefined();

        // A link that needs the user's login (403 without the cookie) says so plainly.
        await chat.bringToFront(); // a click in a tab behind another never lands
        const denied = await newPageAfter(bob, () => chat.click('a[href="/private/minutes.c2c"] + [data-c2c="file-link"]'));
        await denied.waitForSelector(`${byTestId('file-error')}[data-code="fetch-failed"]`, { timeout: 60_000 });
        expect(await textOf(denied, 'file-error')).toMatch(/drop it here/);
        // The page takes its link once: reloaded, it says to click the marker again rather than show nothing.
        // (Reloaded from inside: Firefox's BiDi reload of an extension page never reports the load.)
        await denied.evaluate(() => location.reload());
        await denied.waitForSelector(`${byTestId('file-error')}[data-code="link-gone"]`, { timeout: 60_000 });
        expect(await textOf(denied, 'file-error')).toMatch(/click the marker/);
        await Promise.all([chat.close(), opened.close(), denied.close()]);
      } finally {
        await host.close();
      }
    });

    it('a file for someone else says so before anything is offered', async () => {
      const outcome = await decryptFile(carolPage, kind, dir, 'not-mine.c2c', encrypted);
      expect(outcome).toMatchObject({ phase: 'failed', code: 'not-addressed' });
      expect(await textOf(carolPage, 'file-error')).toMatch(/not encrypted for you/);
    });

    it('cancel stops a running encryption: nothing is kept, and the popup works on', async () => {
      const big = new Uint8Array(randomBytes(96 * 1024 * 1024));
      await chooseFile(alicePage, 'file-encrypt-input', dir, 'big.bin', big);
      if (kind === 'chromium') await answerSavePicker(alicePage);
      await clickWhenEnabled(alicePage, byTestId('file-encrypt'));
      const at = await cancelMidway(alicePage);
      expect(at).toBeLessThan(1);
      await alicePage.waitForSelector(`${byTestId('file-error')}[data-code="cancelled"]`);
      const saved = await savedFile(alicePage, kind, 'big.bin.c2c');
      expect(saved === null || saved.length === 0).toBe(true);
      // The next job runs as usual (bob stays ticked from before).
      const again = await encryptFile(alicePage, kind, dir, 'small.txt', new TextEncoder().encode('after cancel'), []);
      expect(again.length).toBeGreaterThan(64 * 1024);
    });
  });
}

interface ChatHost {
  url: string;
  requests: { path: string; cookie: string | undefined }[];
  close(): Promise<void>;
}

/**
 * A host chat page on loopback with a `.c2c` attachment link; it sets a session cookie and refuses
 * `/private/` without it, as an attachment behind a login would be.
 */
async function serveChat(file: Uint8Array): Promise<ChatHost> {
  const requests: ChatHost['requests'] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, cookie: req.headers.cookie });
    if (path === '/chat') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'session=secret; Path=/; SameSite=Lax' });
      res.end('<!doctype html><title>chat</title><div id="messages"><p>bob: here <a href="/files/holiday.tar.c2c">holiday.tar.c2c</a></p><p><a href="/about">about</a></p></div>');
    } else if (path === '/files/holiday.tar.c2c') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(file);
    } else {
      res.writeHead(req.headers.cookie?.includes('session=secret') ? 404 : 403);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => (server.close(() => resolve()), server.closeAllConnections())) };
}

/** The tab the extension opens in answer to `action`. */
async function newPageAfter(session: ExtensionSession, action: () => Promise<unknown>): Promise<Page> {
  const before = new Set(await session.browser.pages());
  await action();
  for (let waited = 0; waited < 30_000; waited += 100) {
    const added = (await session.browser.pages()).find((p) => !before.has(p));
    if (added) {
      await added.waitForSelector('#app > *', { timeout: 30_000 });
      return added;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no new tab opened');
}

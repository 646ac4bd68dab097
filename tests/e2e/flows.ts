// Steps the e2e files share: what a person does in the popup, and background calls made from it.
import { expect } from 'vitest';
import type { Page } from 'puppeteer-core';
import { byTestId, openOptionsBeside, pollIn, sendFromPage, type ExtensionSession } from './harness';

/** 64 hex digits in groups of four, as identity.ts formats fingerprints. */
export const FINGERPRINT_RE = /^[0-9A-F]{4}( [0-9A-F]{4}){15}$/;

export async function textOf(page: Page, testId: string): Promise<string> {
  const el = await page.waitForSelector(byTestId(testId), { timeout: 30_000 });
  return (await el!.evaluate((e) => e.textContent ?? '')).trim();
}

/**
 * The element's text once it matches: an action's message replaces the previous one only when the popup
 * re-renders, so reading at once can catch the old one.
 */
export async function textMatching(page: Page, testId: string, expected: RegExp, timeout = 30_000): Promise<string> {
  try {
    return await pollIn(
      page,
      timeout,
      (selector, source, flags) => {
        const text = document.querySelector(selector)?.textContent?.trim() ?? '';
        return new RegExp(source, flags).test(text) ? text : '';
      },
      byTestId(testId),
      expected.source,
      expected.flags,
    );
  } catch (e) {
    const shown = await page.$eval(byTestId(testId), (el) => el.textContent).catch(() => null);
    throw new Error(`${testId}: no text matching ${expected} in ${timeout} ms (shown: ${JSON.stringify(shown)})`, { cause: e });
  }
}

/**
 * Types into a field the way a person does: focus, select all, delete, type. (Emptied from script, the field
 * would be filled again by the popup's next re-render, its state not having changed, and the typing appended.)
 */
export async function fill(page: Page, testId: string, value: string): Promise<void> {
  const input = await page.waitForSelector(byTestId(testId));
  await input!.click();
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await input!.type(value);
  const held = await input!.evaluate((e) => (e as HTMLInputElement).value);
  if (held !== value) throw new Error(`${testId}: the field holds ${JSON.stringify(held)} after typing ${JSON.stringify(value)}`);
}

/**
 * Runs `steps` on the options page, opened in a tab beside an extension page (the popup), and closes it:
 * identity, relay, security mark, backup and the legacy suite live there. The page is brought to the front
 * again afterwards: a background tab gets no animation frames, and puppeteer's default waits use them.
 */
export async function inOptions<T>(page: Page, steps: (options: Page) => Promise<T>): Promise<T> {
  const options = await openOptionsBeside(page);
  try {
    return await steps(options);
  } finally {
    await options.close();
    await page.bringToFront();
  }
}

/** The options page's relay status while the connection is in `connection` (data-connection). */
export const relayStatusIn = (connection: string) => `${byTestId('relay-status')}[data-connection="${connection}"]`;

/** Waits until the options page (opened beside `page`, then closed) shows `selector`; returns the relay status text. */
export function relayStatus(page: Page, selector: string, timeout: number): Promise<string> {
  return inOptions(page, async (options) => {
    await options.waitForSelector(selector, { timeout });
    return textOf(options, 'relay-status');
  });
}

/** Waits until the popup lists `count` received messages (it polls the background). */
export async function waitForInboxCount(page: Page, count: number): Promise<void> {
  await pollIn(page, 20_000, (n) => document.querySelectorAll('[data-testid="inbox-item"]').length === n, count);
}

/** The newest inbox row: its status, sender and text as the popup shows them. */
export async function newestInboxItem(page: Page): Promise<{ status: string; sender: string; text: string }> {
  return page.$eval(byTestId('inbox-item'), (li) => ({
    status: li.getAttribute('data-status') ?? '',
    sender: li.querySelector('[data-testid="inbox-sender"]')?.textContent ?? '',
    text: li.querySelector('[data-testid="inbox-text"]')?.textContent ?? '',
  }));
}

/**
 * Creates an identity through the popup's short onboarding form; returns the popup page (now showing its
 * first screen) and the fingerprint the options page shows.
 */
export async function onboardInPopup(session: ExtensionSession, handle: string): Promise<{ page: Page; fingerprint: string }> {
  const page = await session.openPopup();
  await fill(page, 'onboard-handle', handle);
  await clickWhenEnabled(page, byTestId('onboard-create'));
  expect(await textOf(page, 'popup-handle')).toBe(handle);
  const fingerprint = await inOptions(page, (options) => textOf(options, 'identity-fingerprint'));
  return { page, fingerprint };
}

/** Saves the relay address on the options page and registers there; waits until that page says so. */
export async function registerOn(options: Page, relayUrl: string): Promise<void> {
  await fill(options, 'settings-relay-url', relayUrl);
  await clickWhenEnabled(options, byTestId('settings-save'));
  await textOf(options, 'settings-saved');
  // The page shows "Saved." before it has re-read its state; buttons stay disabled until then.
  await clickWhenEnabled(options, byTestId('relay-register'));
  await options.waitForSelector(`${byTestId('relay-status')}[data-registered="true"]`, { timeout: 20_000 }).catch(async (e: unknown) => {
    const shown = await options.evaluate(
      (status, error, url) => ({
        status: document.querySelector(status)?.textContent ?? null,
        error: document.querySelector(error)?.textContent ?? null,
        relayUrl: document.querySelector<HTMLInputElement>(url)?.value ?? null,
      }),
      byTestId('relay-status'),
      byTestId('relay-error'),
      byTestId('settings-relay-url'),
    );
    throw new Error(`registering at ${relayUrl}: not registered in 20 s; the options page shows ${JSON.stringify(shown)}`, { cause: e });
  });
  expect(await textOf(options, 'relay-status')).toContain('registered');
}

/** From the popup: saves the relay address and registers, on the options page opened beside it. */
export async function registerInPopup(page: Page, relayUrl: string): Promise<void> {
  await inOptions(page, (options) => registerOn(options, relayUrl));
}

/**
 * Clicks a popup button once it is enabled. The popup disables its buttons while an action and the state
 * refresh after it run; a click on a disabled button does nothing, as it would for a person.
 */
export async function clickWhenEnabled(page: Page, selector: string, timeout = 30_000): Promise<void> {
  await (await page.waitForSelector(`${selector}:not([disabled])`, { timeout }))!.click();
}

export const contactItem = (handle: string) => `[data-testid="contact-item"][data-handle="${handle}"]`;

/** Finds a handle on the relay in the popup and pins its key; returns the safety number shown. */
export async function lookUpAndPin(page: Page, handle: string): Promise<string> {
  await fill(page, 'contact-lookup-handle', handle);
  await clickWhenEnabled(page, byTestId('contact-lookup'));
  try {
    await page.waitForSelector(byTestId('contact-pin'), { timeout: 20_000 });
  } catch (e) {
    // A failed lookup says why: the error the popup shows instead, or what the form holds.
    const state = await page
      .evaluate(
        (field, button, error) => ({
          typed: document.querySelector<HTMLInputElement>(field)?.value,
          buttonDisabled: document.querySelector<HTMLButtonElement>(button)?.disabled,
          error: document.querySelector(error)?.textContent ?? null,
          focused: document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName,
        }),
        byTestId('contact-lookup-handle'),
        byTestId('contact-lookup'),
        byTestId('contact-lookup-error'),
      )
      .catch((reason: unknown) => `unreadable: ${String(reason)}`);
    // And whether the background answers the same lookup asked directly: a lost click or a stuck lookup.
    const direct = await Promise.race([
      sendFromPage(page, { type: 'lookupContact', handle }).then((r) => JSON.stringify(r).slice(0, 200)),
      new Promise((resolve) => setTimeout(resolve, 15_000, 'no answer in 15 s')),
    ]).catch((reason: unknown) => `failed: ${String(reason)}`);
    throw new Error(`looking up ${handle}: no result in 20 s; the popup shows ${JSON.stringify(state)}; asked directly: ${String(direct)}`, {
      cause: e,
    });
  }
  await clickWhenEnabled(page, byTestId('contact-pin'));
  const el = await page.waitForSelector(`${contactItem(handle)} ${byTestId('contact-safety-number')}`, { timeout: 20_000 });
  return (await el!.evaluate((e) => e.textContent ?? '')).trim();
}

export async function api<T extends Record<string, unknown>>(page: Page, request: Record<string, unknown>): Promise<T> {
  return (await sendFromPage(page, request)) as T;
}

export async function bundleOf(page: Page): Promise<string> {
  const r = await api<{ ok: boolean; bundle: string }>(page, { type: 'getPublicBundle' });
  expect(r.ok).toBe(true);
  expect(r.bundle).toMatch(/^c2cpub1\./);
  return r.bundle;
}

export async function pin(page: Page, handle: string, bundle: string): Promise<string> {
  const r = await api<{ ok: boolean; result: string }>(page, { type: 'pinContact', handle, bundle });
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
  return r.result;
}

/**
 * Pins a contact and marks it verified, as a person does who compared safety numbers (`contact-mark-verified`):
 * for tests that mean "the genuine sender", whose messages then say `verified` rather than `pinned`.
 */
export async function pinVerified(page: Page, handle: string, bundle: string): Promise<void> {
  await pin(page, handle, bundle);
  const r = await api<{ ok: boolean }>(page, { type: 'markVerified', handle });
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true, contact: { verified: true } });
}

export async function encrypt(page: Page, recipients: string[], plaintext: string): Promise<string> {
  const r = await api<{ ok: boolean; parts: string[] }>(page, { type: 'encrypt', recipients, plaintext });
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
  // What a host messenger would carry: the parts, one per line (or per chat message).
  return r.parts.join('\n');
}

export type DecryptOutcome =
  | { status: 'verified' | 'pinned' | 'unverified' | 'legacy'; plaintext: string; senderFingerprint: string; senderHandle?: string }
  | { status: 'error'; reason: { code: string; message: string } };

export async function decrypt(page: Page, text: string, context?: string): Promise<DecryptOutcome> {
  const r = await api<{ ok: boolean; result: DecryptOutcome }>(page, { type: 'decrypt', text, ...(context ? { context } : {}) });
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
  return r.result;
}

/** Latin, Cyrillic and emoji (astral plane): the text must come back byte for byte. */
export const CANARY = 'Canary 42 — Привет, мир! 🔐🦜 end';

/** Changes one armor symbol at `at` to a different value ('2' and '3' have no look-alikes to fold). */
export function tamper(token: string, at: number): string {
  return token.slice(0, at) + (token[at] === '2' ? '3' : '2') + token.slice(at + 1);
}

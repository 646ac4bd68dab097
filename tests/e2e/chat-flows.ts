// What two people do to hold a secure chat, shared by the Chromium and Firefox chat files: set up (onboard,
// register, pin each other), open the chat from the popup, write, read, end.
import { expect } from 'vitest';
import type { Page } from 'puppeteer-core';
import { until } from '../relay/harness';
import { byTestId, pollIn, type ExtensionSession } from './harness';
import { contactItem, inOptions, lookUpAndPin, onboardInPopup, registerInPopup, textOf } from './flows';
import { SAFETY_NUMBER_RE, paste } from './contacts-flows';

export interface ChatPerson {
  session: ExtensionSession;
  handle: string;
  popup: Page;
}

/** Onboards both people, registers them on the relay and pins each other; returns the safety number both see. */
export async function meet(a: { session: ExtensionSession; handle: string }, b: { session: ExtensionSession; handle: string }, relayUrl: string) {
  const [{ page: aPopup }, { page: bPopup }] = await Promise.all([onboardInPopup(a.session, a.handle), onboardInPopup(b.session, b.handle)]);
  await Promise.all([registerInPopup(aPopup, relayUrl), registerInPopup(bPopup, relayUrl)]);
  const seenByA = await lookUpAndPin(aPopup, b.handle);
  const seenByB = await lookUpAndPin(bPopup, a.handle);
  expect(seenByA).toMatch(SAFETY_NUMBER_RE);
  expect(seenByB).toBe(seenByA);
  return { a: { ...a, popup: aPopup }, b: { ...b, popup: bPopup }, safetyNumber: seenByA };
}

/** Clicks `chat-open` on the contact in the popup and returns the chat page that opens in a new tab. */
export async function openChat(person: ChatPerson, withHandle: string): Promise<Page> {
  // Firefox (WebDriver BiDi) reports moz-extension:// tabs as about:blank, so the new tab is found as the
  // page that was not there before, and its address is read inside it.
  const before = new Set(await person.session.browser.pages());
  const button = await person.popup.waitForSelector(`${contactItem(withHandle)} ${byTestId('chat-open')}:not([disabled])`, { timeout: 30_000 });
  // By keyboard (focus, Enter): the list can shift under a mouse click as invitations come and go.
  await button!.focus();
  await person.popup.keyboard.press('Enter');
  const page = await until(async () => (await person.session.browser.pages()).find((p) => !before.has(p)), 30_000).catch(async () => {
    const error = await person.popup.$eval(byTestId('contacts-error'), (e) => e.textContent).catch(() => 'none');
    throw new Error(`no chat tab opened (the popup's error: ${error})`);
  });
  await page.waitForSelector(byTestId('chat-state'), { timeout: 30_000 });
  expect(await page.evaluate(() => location.pathname)).toBe('/chat.html');
  return page;
}

/** Waits until the page shows the state (the exact word in `chat-state`). */
export async function waitForState(page: Page, state: 'connecting' | 'open' | 'ended', timeout = 30_000): Promise<void> {
  await pollIn(page, timeout, (sel, want) => document.querySelector(sel)?.textContent?.trim() === want, byTestId('chat-state'), state);
}

export interface SeenMessage {
  direction: string;
  text: string;
}

export async function messagesOn(page: Page): Promise<SeenMessage[]> {
  return page.$$eval(byTestId('chat-message'), (items) =>
    items.map((m) => ({ direction: m.getAttribute('data-direction') ?? '', text: m.querySelector('[data-testid="chat-message-text"]')?.textContent ?? '' })),
  );
}

/** Waits until the page shows exactly `count` messages, then returns them. */
export async function waitForMessages(page: Page, count: number, timeout = 30_000): Promise<SeenMessage[]> {
  await pollIn(page, timeout, (sel, n) => document.querySelectorAll(sel).length === n, byTestId('chat-message'), count);
  return messagesOn(page);
}

/** Writes into `chat-input` as pasting does (one input event) and sends it with the Enter key. */
export async function write(page: Page, text: string): Promise<void> {
  await paste(page, `${byTestId('chat-input')}:not([disabled])`, text);
  await page.keyboard.press('Enter');
}

/** Writes and sends a message, and waits until it is shown as ours and the field is empty again. */
export async function say(page: Page, text: string): Promise<void> {
  const outBefore = (await messagesOn(page)).filter((m) => m.direction === 'out').length;
  await write(page, text);
  await pollIn(
    page,
    30_000,
    (sel, n, input) => document.querySelectorAll(sel).length > n && (document.querySelector(input) as HTMLTextAreaElement).value === '',
    `${byTestId('chat-message')}[data-direction="out"]`,
    outBefore,
    byTestId('chat-input'),
  );
}

export const stateReason = (page: Page) => textOf(page, 'chat-state-reason');

// Waits poll on a timer: the popup is a background tab once a chat tab opened, and background tabs get no
// animation frames (puppeteer's default polling).

/** Waits until the options page (opened beside the popup) shows the relay connection as connected (or as anything else). */
export async function waitForRelay(popup: Page, connected: boolean, timeout = 30_000): Promise<void> {
  await inOptions(popup, (options) =>
    pollIn(
      options,
      timeout,
      (sel, want) => (document.querySelector(sel)?.getAttribute('data-connection') === 'connected') === want,
      byTestId('relay-status'),
      connected,
    ),
  );
}

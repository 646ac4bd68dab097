// Helpers for the side panel's browser tests. Automated browsers cannot always open a real side panel (it
// needs a user gesture), so the panel page is opened in a normal tab bound to the chat's tab with
// `sidepanel.html?tab=<id>` (docs/TESTING.md); the tab id comes from an extension page's tabs.query.
import type { Page } from 'puppeteer-core';
import { expect } from 'vitest';
import type { FixtureServer } from '../fixtures/server';
import { openExtensionPage, pollIn, type ExtensionSession } from './harness';
import { api } from './flows';

/** Sets the fixture server's site to panel mode (the popup's `site-mode` select stores the same). */
export async function usePanelMode(popup: Page, server: FixtureServer): Promise<void> {
  const r = await api(popup, { type: 'saveSiteMode', site: new URL(server.url).origin, mode: 'panel' });
  expect(r).toMatchObject({ ok: true, mode: 'panel' });
}

/** The browser's id of the tab showing `page`, asked from an extension page as the extension sees tabs. */
export async function tabIdOf(extensionPage: Page, page: Page): Promise<number> {
  const url = page.url();
  const id = await extensionPage.evaluate(async (address) => {
    type Tabs = { tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> } };
    const g = globalThis as unknown as { browser?: Tabs; chrome?: Tabs };
    return (await (g.browser ?? g.chrome)!.tabs.query({})).find((t) => t.url === address)?.id ?? null;
  }, url);
  if (id === null) throw new Error(`no tab shows ${url}`);
  return id;
}

/** Opens the side panel page bound to the tab of `page`, in a normal tab. */
export async function openPanel(session: ExtensionSession, extensionPage: Page, page: Page): Promise<Page> {
  const tabId = await tabIdOf(extensionPage, page);
  return openExtensionPage(session.browser, session.kind, `${session.baseUrl}sidepanel.html?tab=${tabId}`);
}

export interface PanelShown {
  status: string;
  sender: string;
  plaintext: string | null;
}

/** Every message the panel shows, in order. */
export function panelMessages(panel: Page): Promise<PanelShown[]> {
  return panel.evaluate(() =>
    [...document.querySelectorAll('[data-testid="panel-message"]')].map((m) => ({
      status: m.getAttribute('data-status') ?? '',
      sender: m.querySelector('[data-testid="panel-sender"]')?.textContent ?? '',
      plaintext: m.querySelector('[data-testid="panel-plaintext"]')?.textContent ?? null,
    })),
  );
}

/** The panel's messages once it shows `count` of them and none is still being opened. */
export async function panelSettled(panel: Page, count: number, timeout = 20_000): Promise<PanelShown[]> {
  let last: PanelShown[] = [];
  for (const until = Date.now() + timeout; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    last = await panelMessages(panel);
    if (last.length === count && last.every((m) => m.status !== 'pending')) return last;
  }
  throw new Error(`the panel did not settle on ${count} messages within ${timeout} ms; it showed ${JSON.stringify(last)}`);
}

/** Chooses the recipient, types, and presses Send in the panel, as a person does. */
export async function sendFromPanel(panel: Page, to: string, plaintext: string): Promise<void> {
  const box = `[data-testid="panel-recipient"][data-handle="${to}"]`;
  // The choice stays after a send: a second message goes to the same people without choosing again.
  await panel.waitForSelector(box);
  if (!(await panel.$eval(box, (el) => (el as HTMLInputElement).checked))) await panel.click(box);
  await pollIn(panel, 5_000, (sel) => (document.querySelector(sel) as HTMLInputElement | null)?.checked === true, box);
  await panel.click('[data-testid="panel-input"]');
  await panel.type('[data-testid="panel-input"]', plaintext);
  await panel.click('[data-testid="panel-send"]');
  // Sent: the panel empties its input (on any other outcome it keeps the text and says why).
  try {
    await pollIn(panel, 20_000, () => (document.querySelector('[data-testid="panel-input"]') as HTMLTextAreaElement | null)?.value === '');
  } catch (e) {
    const said = await panel.evaluate(() => {
      const send = document.querySelector('[data-testid="panel-send"]') as HTMLButtonElement | null;
      const input = document.querySelector('[data-testid="panel-input"]') as HTMLTextAreaElement | null;
      const status = document.querySelector('[data-testid="panel-send-status"]')?.textContent ?? '(nothing said)';
      return `${status}; send button ${send?.disabled ? 'disabled' : 'enabled'} saying "${send?.textContent ?? ''}"; input holds ${input?.value.length ?? 'no'} characters`;
    });
    throw new Error(`the panel did not send: ${said}`, { cause: e });
  }
}

/** What a host page holds of ours: no frame, no holder, no lock-made overlay; only the page's own elements. */
export function ourElementsIn(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('[data-c2c]')].map((e) => e.getAttribute('data-c2c') ?? ''));
}

// The popup's first screen and the options page's first-run flow, in Chromium and Firefox: contacts on the
// first screen of a 600 px tall popup, the first-run steps from install to the settings, the site mode
// stored per site, and two options tabs that each show what the other saved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElementHandle, Page } from 'puppeteer-core';
import { generateIdentity } from '@/lib/crypto/identity';
import { generatePrekey } from '@/lib/crypto/prekey';
import { encodePublicBundle } from '@/lib/crypto/public-bundle';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { byTestId, firstRunTab, launchWithExtension, pollIn, setViewportSize, type BrowserKind, type ExtensionSession } from './harness';
import { api, clickWhenEnabled, contactItem, fill, pin, textOf } from './flows';
import { paste, valueOf } from './contacts-flows';

/** A contact's public key as another person's extension would publish it (made here in Node). */
async function someonesBundle(handle: string): Promise<string> {
  const identity = await generateIdentity(true);
  return encodePublicBundle({ identityKey: identity.publicKey, prekey: await generatePrekey(identity), handle });
}

const HEX_COLOUR = /^#[0-9a-f]{6}$/;

for (const kind of ['chromium', 'firefox'] as BrowserKind[]) {
  describe(`popup and options page (${kind})`, () => {
    let session: ExtensionSession;
    let setup: Page;

    beforeAll(async () => {
      session = await launchWithExtension(kind, { keepFirstRunTab: true });
      setup = (await firstRunTab(session.browser, session.baseUrl))!;
    }, 60_000);
    afterAll(() => session?.close());

    it('install opens the first-run flow: identity, a random security mark, relay and backup skipped, then the settings', async () => {
      expect(setup, 'the first-run tab').toBeTruthy();
      await setup.waitForSelector(`${byTestId('first-run')}[data-step="identity"]`);
      // The popup without an identity says so and offers the flow (and the short form).
      const early = await session.openPopup();
      await early.waitForSelector(byTestId('open-first-run'));
      expect(await early.$(byTestId('onboard-handle'))).not.toBeNull();
      await early.close();

      await fill(setup, 'onboard-handle', 'frida');
      await clickWhenEnabled(setup, byTestId('onboard-create'));
      await setup.waitForSelector(`${byTestId('first-run')}[data-step="security"]`);
      const colour = await valueOf(setup, byTestId('security-colour'));
      expect(colour).toMatch(HEX_COLOUR);
      await setup.select(byTestId('security-image'), 'fish');
      await clickWhenEnabled(setup, byTestId('security-save'));
      await setup.waitForSelector(`${byTestId('first-run')}[data-step="relay"]`);
      expect(await api(setup, { type: 'getSecurity' })).toMatchObject({ ok: true, security: { colour, image: 'fish' } });

      expect(await textOf(setup, 'first-run-next')).toMatch(/Skip/);
      await clickWhenEnabled(setup, byTestId('first-run-next'));
      await setup.waitForSelector(`${byTestId('first-run')}[data-step="backup"]`);
      await clickWhenEnabled(setup, byTestId('first-run-next'));
      await setup.waitForSelector(`${byTestId('first-run')}[data-step="done"]`);
      await clickWhenEnabled(setup, byTestId('first-run-finish'));
      expect(await textOf(setup, 'identity-handle')).toBe('frida');

      // The backup was skipped: the popup reminds, and its link opens the backup form.
      const popup = await session.openPopup();
      expect(await textOf(popup, 'backup-reminder')).toMatch(/no backup/);
      const badge = await popup.waitForSelector(`${byTestId('security-badge')}[data-colour="${colour}"][data-image="fish"]`);
      expect(await badge!.$eval('svg[data-icon="fish"]', (e) => e.getAttribute('aria-label'))).toBe('Fish');
      await popup.close();
    });

    it('two options tabs: a save in one shows in the other, and both saves are kept', async () => {
      const [one, two] = [setup, await session.openOptions()];
      // A tab in the background gets no animation frames, which puppeteer's typing and clicks wait for:
      // each tab is brought to the front before it is used, as a person would switch to it.
      await one.bringToFront();
      await fill(one, 'settings-relay-url', 'ws://127.0.0.1:7001');
      await clickWhenEnabled(one, byTestId('settings-save'));
      await textOf(one, 'settings-saved');
      await pollIn(two, 10_000, (sel) => document.querySelector<HTMLInputElement>(sel)?.value === 'ws://127.0.0.1:7001', byTestId('settings-relay-url'));

      // The mark saved in the second tab reaches the first, and the relay address saved there stays.
      await two.bringToFront();
      await paste(two, byTestId('security-colour'), '#123456');
      await clickWhenEnabled(two, byTestId('security-save'));
      await textOf(two, 'security-saved');
      await one.waitForSelector(`.options-head ${byTestId('security-badge')}[data-colour="#123456"]`);
      expect(await valueOf(one, byTestId('security-colour'))).toBe('#123456');
      // Typing in one tab that is not saved yet survives a save made in the other.
      await one.bringToFront();
      await fill(one, 'settings-relay-url', 'ws://127.0.0.1:7002');
      await two.bringToFront();
      await fill(two, 'settings-relay-url', 'ws://127.0.0.1:7003');
      await clickWhenEnabled(two, byTestId('settings-save'));
      await textOf(two, 'settings-saved');
      await two.close();
      await one.bringToFront();
      expect(await valueOf(one, byTestId('settings-relay-url'))).toBe('ws://127.0.0.1:7002');
      expect(await api(one, { type: 'getState' })).toMatchObject({ settings: { relayUrl: 'ws://127.0.0.1:7003' } });
      expect(await api(one, { type: 'getSecurity' })).toMatchObject({ security: { colour: '#123456', image: 'fish' } });
    });

    it('the popup starts with people: two contacts and their chat buttons show in a 600 px tall popup', async () => {
      for (const handle of ['grace', 'heidi']) await pin(setup, handle, await someonesBundle(handle));
      const popup = await session.openPopup();
      await setViewportSize(popup, 380, 600);
      expect(await popup.evaluate(() => window.innerHeight)).toBe(600);
      await popup.waitForSelector(contactItem('heidi'));
      const shown = await popup.evaluate(
        (items, chat) =>
          [...document.querySelectorAll(items)].map((item) => {
            const button = item.querySelector(chat)!.getBoundingClientRect();
            return { handle: item.getAttribute('data-handle'), top: item.getBoundingClientRect().top, chatBottom: button.bottom };
          }),
        byTestId('contact-item'),
        byTestId('chat-open'),
      );
      expect(shown.map((s) => s.handle)).toEqual(['grace', 'heidi']);
      for (const s of shown) expect(s.chatBottom, `${s.handle}'s chat button`).toBeLessThanOrEqual(600);
      expect(await popup.evaluate(() => window.scrollY)).toBe(0);
      // Trust state on each row: pinned on first use, not yet compared.
      expect(await popup.$eval(contactItem('grace'), (e) => e.getAttribute('data-verified'))).toBe('false');
      // Everything that moved is one click away.
      expect(await popup.$(byTestId('open-options'))).not.toBeNull();
      expect(await popup.$(byTestId('settings-relay-url'))).toBeNull();
      await popup.close();
    });

    it('site mode: stored per site through the background; a bad mode or site is refused', async () => {
      const site = 'http://127.0.0.1:8123';
      expect(await api(setup, { type: 'getSiteMode', site })).toEqual({ ok: true, mode: 'inline' });
      expect(await api(setup, { type: 'saveSiteMode', site, mode: 'panel' })).toEqual({ ok: true, mode: 'panel' });
      expect(await api(setup, { type: 'getSiteMode', site: 'http://127.0.0.1:8124' })).toEqual({ ok: true, mode: 'inline' });
      expect(await api(setup, { type: 'saveSiteMode', site, mode: 'sideways' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect(await api(setup, { type: 'saveSiteMode', site: 'javascript:alert(1)', mode: 'panel' })).toMatchObject({ ok: false, error: { code: 'malformed' } });
      expect(await api(setup, { type: 'saveSiteMode', site: `${site}/path`, mode: 'panel' })).toMatchObject({ ok: false, error: { code: 'malformed' } });
      expect(await api(setup, { type: 'getSiteMode', site })).toEqual({ ok: true, mode: 'panel' });
    });
  });
}

describe('the popup on a site (Chromium)', () => {
  let server: FixtureServer;
  let session: ExtensionSession;
  beforeAll(async () => {
    [server, session] = await Promise.all([startFixtureServer(), launchWithExtension('chromium')]);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('shows the site first, keeps its mode per site, and says that panel mode comes with the side panel', async () => {
    const start = await session.openPopup();
    await fill(start, 'onboard-handle', 'ivan');
    await clickWhenEnabled(start, byTestId('onboard-create'));
    await start.waitForSelector(byTestId('popup-handle'));
    await start.close();
    const host = await session.browser.newPage(); // the active tab: the site the popup talks about
    await host.goto(`${server.url}/plain?user=ivan&room=mode`);
    const popupUrl = `${session.baseUrl}popup.html`;
    const openPopupBehind = async () => {
      const cdp = await session.browser.target().createCDPSession();
      await cdp.send('Target.createTarget', { url: popupUrl, background: true });
      await cdp.detach();
      const page = (await (await session.browser.waitForTarget((t) => t.url() === popupUrl)).page())!;
      // A background tab gets no animation frames: wait by polling.
      return { page, select: (await page.waitForFunction(() => document.querySelector('[data-testid="site-mode"]'), { polling: 100 })) as ElementHandle<HTMLSelectElement> };
    };
    let { page: popup, select } = await openPopupBehind();
    expect(await popup.$eval(byTestId('site-status'), (e) => e.getAttribute('data-enabled'))).toBe('true');
    expect(await popup.$(byTestId('compose-here'))).not.toBeNull();
    expect(await select.evaluate((s) => s.value)).toBe('inline');
    await select.select('panel');
    await popup.waitForFunction(() => document.querySelector('[data-testid="site-mode-note"]'), { polling: 100 });
    expect(await textOf(popup, 'site-mode-note')).toMatch(/side panel comes/);
    await popup.close();

    ({ page: popup, select } = await openPopupBehind());
    await popup.waitForFunction(() => document.querySelector('[data-testid="site-mode"]')?.getAttribute('data-mode') === 'panel', { polling: 100 });
    expect(await api(popup, { type: 'getSiteMode', site: server.url })).toEqual({ ok: true, mode: 'panel' });
    await popup.close();
    await host.close();
  });
});

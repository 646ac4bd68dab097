// Each view makes only its own background requests, tried in a real Chromium from inside the views that live
// in a host page: a real message frame and a real compose frame (evaluated in the frame's own document), and
// a content script (an isolated-world script in the host tab). Every request type of the API is tried, not a
// sample; the refused ones change nothing in the keyring, the allowed ones work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElementHandle, Page } from 'puppeteer-core';
import { VIEW_REQUESTS } from '@/entrypoints/background/view-access';
import { COMPOSE_TICKET } from '@/lib/content/frames';
import { REQUEST_TYPES, type RequestType } from '@/lib/protocol/background-api';
import { armor } from '@/lib/armor/armor';
import { encodeContactCard } from '@/lib/crypto/contact-card';
import { makeUser } from '../unit/crypto/fixtures';
import { SAMPLE } from '../unit/request-samples';
import { evaluateInFrame, frameElementIn, openChat, openOverlay, shownIn, startReader, type Reader } from './content-flows';
import { api, CANARY } from './flows';

const ROOM = 'view-access';

type Answer = { ok: boolean; error?: { code: string; message: string } } & Record<string, unknown>;

/** Sends each request from inside a frame's own document, one after another; the answers in order. */
async function askFrom(iframe: ElementHandle<HTMLIFrameElement>, requests: Record<string, unknown>[]): Promise<Answer[]> {
  const expression = `(async (requests) => { const out = []; for (const r of requests) out.push(await chrome.runtime.sendMessage(r)); return out; })(${JSON.stringify(requests)})`;
  return (await evaluateInFrame(iframe, expression)) as Answer[];
}

/** What the keyring holds, read from the popup: refused requests must leave all of it as it was. */
async function keyringState(popup: Page): Promise<unknown> {
  const [state, contacts, security, legacy] = await Promise.all([
    api(popup, { type: 'getState' }),
    api(popup, { type: 'listContacts' }),
    api(popup, { type: 'getSecurity' }),
    api(popup, { type: 'getLegacyPublicKey' }),
  ]);
  return { state, contacts, security, legacy };
}

function refusedTypes(view: 'message frame' | 'compose frame'): RequestType[] {
  return REQUEST_TYPES.filter((type) => !VIEW_REQUESTS[view].has(type));
}

describe('each view gets only its own API (Chromium)', () => {
  let reader: Reader;
  let page: Page;

  beforeAll(async () => {
    reader = await startReader();
    page = await openChat(reader.bob, reader.server, 'plain', 'bob', ROOM);
    for (const part of await reader.alice.write(CANARY)) reader.server.post(ROOM, 'alice', part);
    expect(await shownIn(page, 1)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: CANARY });
  }, 90_000);

  afterAll(async () => {
    await reader?.close();
  });

  it('a message frame: every request outside decrypt, pinCard, joinP2PChat and getSecurity is forbidden, naming both; nothing changes', async () => {
    const before = await keyringState(reader.popup);
    const refused = refusedTypes('message frame');
    expect(refused.length).toBe(REQUEST_TYPES.length - 4);
    const answers = await askFrom(await frameElementIn(page, 1), refused.map((type) => ({ type, ...SAMPLE[type] })));
    refused.forEach((type, i) => {
      expect(answers[i], type).toEqual({ ok: false, error: { code: 'forbidden', message: `The message frame may not make the request ${type}.` } });
    });
    expect(await keyringState(reader.popup)).toEqual(before);
  });

  it('a message frame: its own three requests work', async () => {
    const token = reader.server.messages(ROOM)[0]!.text;
    // The frame's own replay context (the embedding site): the same message there is a re-render, not a replay.
    const context = `page:${new URL(reader.server.url).origin}`;
    const carol = await makeUser({ handle: 'carol' });
    const card = armor(await encodeContactCard(carol.identity, carol.bundle))[0]!;
    const [opened, security, pinned] = await askFrom(await frameElementIn(page, 1), [
      { type: 'decrypt', text: token, context },
      { type: 'getSecurity' },
      { type: 'pinCard', text: card },
    ]);
    expect(opened).toMatchObject({ ok: true, result: { status: 'verified', senderHandle: 'alice', plaintext: CANARY } });
    expect(security).toMatchObject({ ok: true, security: expect.any(Object) });
    expect(pinned).toMatchObject({ ok: true, result: 'pinned', card: { handle: 'carol', known: 'pinned' } });
  });

  it('a compose frame: every request outside its compose set is forbidden; nothing changes; its own set works', async () => {
    await openOverlay(page);
    const iframe = (await page.waitForSelector('iframe[data-c2c="compose-frame"]:not([data-fixture-fake])')) as ElementHandle<HTMLIFrameElement>;
    const before = await keyringState(reader.popup);
    const refused = refusedTypes('compose frame');
    // exportBackup and restoreBackup among them: a frame can never ask for a backup.
    expect(refused).toEqual(expect.arrayContaining(['exportBackup', 'restoreBackup', 'saveSettings', 'pinContact', 'markVerified', 'createIdentity', 'decrypt']));
    const answers = await askFrom(iframe, refused.map((type) => ({ type, ...SAMPLE[type] })));
    refused.forEach((type, i) => {
      expect(answers[i], type).toEqual({ ok: false, error: { code: 'forbidden', message: `The compose frame may not make the request ${type}.` } });
    });
    expect(await keyringState(reader.popup)).toEqual(before);

    const site = new URL(reader.server.url).origin;
    const [contacts, sealed, saved, remembered, length, security, ticket] = await askFrom(iframe, [
      { type: 'listContacts' },
      { type: 'encrypt', recipients: ['alice'], plaintext: 'from the compose frame' },
      { type: 'saveConversationRecipients', site, conversation: `/${ROOM}`, handles: ['alice'] },
      { type: 'getConversationRecipients', site, conversation: `/${ROOM}` },
      { type: 'getSitePartLength', site },
      { type: 'getSecurity' },
      // Allowed, and processed: this id was never offered, so there is no ticket to claim (not a refusal).
      { type: 'claimComposeTicket', id: 'f'.repeat(32) },
    ]);
    // carol: pinned from her contact card by the message frame above.
    expect(contacts).toMatchObject({ ok: true, contacts: [{ handle: 'alice' }, { handle: 'carol' }] });
    expect(sealed).toMatchObject({ ok: true, parts: [expect.stringMatching(/^c2c2/)] });
    expect(saved).toMatchObject({ ok: true, handles: ['alice'] });
    expect(remembered).toMatchObject({ ok: true, handles: ['alice'] });
    expect(length).toMatchObject({ ok: true });
    expect(security).toMatchObject({ ok: true });
    expect(ticket).toMatchObject({ ok: false });
    expect(ticket!.error!.code).not.toBe('forbidden');
  });

  it('a content script: every request of the API is forbidden; its one ticket request still works', async () => {
    const hostUrl = page.url();
    const requests = REQUEST_TYPES.map((type) => ({ type, ...SAMPLE[type] }));
    const ticket = { type: COMPOSE_TICKET, id: 'a'.repeat(32), secret: 'b'.repeat(32), site: new URL(hostUrl).origin };
    const before = await keyringState(reader.popup);
    // The popup runs a script in the host tab's isolated world (extension id and all, sender.url the host page's).
    const answers = (await reader.popup.evaluate(
      async (url, all, own) => {
        type Chrome = { tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> }; scripting: { executeScript(i: object): Promise<{ result: unknown }[]> } };
        const c = (globalThis as unknown as { chrome: Chrome }).chrome;
        const tab = (await c.tabs.query({})).find((t) => t.url === url);
        const [result] = await c.scripting.executeScript({
          target: { tabId: tab!.id },
          args: [all, own],
          func: async (rs: unknown[], mine: unknown) => {
            const rt = (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime;
            const out = [];
            for (const r of rs) out.push(await rt.sendMessage(r));
            return { refused: out, ticket: await rt.sendMessage(mine) };
          },
        });
        return result!.result;
      },
      hostUrl,
      requests,
      ticket,
    )) as { refused: Answer[]; ticket: Answer };
    REQUEST_TYPES.forEach((type, i) => {
      expect(answers.refused[i], type).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    });
    expect(answers.ticket).toEqual({ ok: true });
    expect(await keyringState(reader.popup)).toEqual(before);
  });
});

// One-shot messages after a secure chat, in a real browser (shared by the Chromium and Firefox files):
// alice and bob hold a version-2 chat through a real relay, which leaves each a per-contact post-quantum
// secret; then in a fixture chat the compose overlay says post-quantum for bob and classical only for carol
// (pinned, never chatted), and bob's message frames say post-quantum for alice's message, classical only for
// carol's (docs/FORMATS.md, "Per-contact post-quantum secret").
import type { Frame } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { contactItem, pin } from './flows';
import { meet, openChat as openSecureChat, waitForState, type ChatPerson } from './chat-flows';
import { openChat, openOverlay, outsideSender, sendThroughOverlay, shownIn } from './content-flows';
import type { BrowserKind } from './harness';
import { startRelayAndProfiles, type RelayAndProfiles } from './relay-profiles';

const pqOfRecipient = (compose: Frame, handle: string) =>
  compose.$eval(`[data-testid="compose-recipient"] input[data-handle="${handle}"]`, (e) => e.getAttribute('data-pq'));

export function postQuantumTokensSuite(kind: BrowserKind): void {
  describe(`one-shot messages after a secure chat (${kind})`, () => {
    let started: RelayAndProfiles | undefined;
    let server: FixtureServer | undefined;
    let alice: ChatPerson;
    let bob: ChatPerson;

    beforeAll(async () => {
      [started, server] = await Promise.all([startRelayAndProfiles(kind), startFixtureServer()]);
      const { relay, a, b } = started;
      ({ a: alice, b: bob } = await meet({ session: a, handle: 'alice' }, { session: b, handle: 'bob' }, relay.url));
    }, 120_000);

    afterAll(async () => {
      await started?.close();
      await server?.close();
    });

    it('a version-2 chat between alice and bob, then: post-quantum between them, classical only with carol', async () => {
      const alicePage = await openSecureChat(alice, 'bob');
      await bob.popup.waitForSelector(`${contactItem('alice')}[data-chat-invite="true"]`, { timeout: 30_000 });
      const bobPage = await openSecureChat(bob, 'alice');
      await Promise.all([waitForState(alicePage, 'open'), waitForState(bobPage, 'open')]);
      // The chat may end: the secret stays with the contact.
      await Promise.all([alicePage.close(), bobPage.close()]);

      // Carol writes from outside the browser and is pinned by both; she never chatted with either.
      const carolToBob = await outsideSender('carol', bob.popup);
      await pin(alice.popup, 'carol', carolToBob.bundle);
      await pin(bob.popup, 'carol', carolToBob.bundle);

      const ROOM = `pq-${kind}`;
      const [aliceHost, bobHost] = await Promise.all([openChat(alice.session, server!, 'plain', 'alice', ROOM), openChat(bob.session, server!, 'plain', 'bob', ROOM)]);
      const compose = await openOverlay(aliceHost);
      expect(await pqOfRecipient(compose, 'bob')).toBe('post-quantum');
      expect(await pqOfRecipient(compose, 'carol')).toBe('classical');

      await sendThroughOverlay(compose, 'bob', 'sealed after our chat');
      await expect.poll(() => server!.messages(ROOM).length, { timeout: 15_000 }).toBe(1);
      expect(await shownIn(bobHost, 1)).toMatchObject({ status: 'pinned', sender: 'alice', plaintext: 'sealed after our chat', pq: 'post-quantum' });

      server!.post(ROOM, 'carol', (await carolToBob.write('from carol, no chat')).join('\n'));
      expect(await shownIn(bobHost, 2)).toMatchObject({ status: 'pinned', sender: 'carol', plaintext: 'from carol, no chat', pq: 'classical' });
      await Promise.all([aliceHost.close(), bobHost.close()]);
    });
  });
}

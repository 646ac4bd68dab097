// The Node side of the chat e2e tests: what an attacker holding every relayed frame can do with what is
// left in the profiles after a session ended, and a relay that answers one side's handshake as someone else.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { fromBase64Url, toBase64Url, utf8 } from '@/lib/bytes';
import { chooseRole, createChatSession, type ChatSession } from '@/lib/chat/session';
import { FRAME_TYPE, decodeFrame } from '@/lib/chat/frame';
import { generateIdentity, importIdentityPrivate, type IdentityKeyPair } from '@/lib/crypto/identity';
import { decodePublicBundle } from '@/lib/crypto/public-bundle';
import { decryptBackupPayload } from '@/lib/keyring/backup-file';
import { DATA } from '@/lib/protocol/relay';
import { roomFrameDown, type ProxiedFrame, type WsProxy } from '../relay/ws-proxy';
import { byTestId } from './harness';
import { bundleOf, fill, inOptions } from './flows';
import { valueOf } from './contacts-flows';

export async function identityKeyOf(popup: Page): Promise<Uint8Array> {
  return (await decodePublicBundle(await bundleOf(popup))).identityKey;
}

/** Exports the profile's passphrase backup on the options page, as a person does, and opens it here. */
export async function identityFromBackup(popup: Page, passphrase: string): Promise<IdentityKeyPair> {
  const text = await inOptions(popup, async (options) => {
    await fill(options, 'backup-passphrase', passphrase);
    await options.click(byTestId('backup-export'));
    return valueOf(options, byTestId('backup-text'));
  });
  const { payload } = await decryptBackupPayload(text, passphrase);
  const { identity } = JSON.parse(new TextDecoder().decode(payload)) as { identity: { publicKey: string; privateKey: string } };
  return { publicKey: fromBase64Url(identity.publicKey), privateKey: await importIdentityPrivate(fromBase64Url(identity.privateKey)) };
}

/**
 * Feeds every captured room frame to fresh sessions made with the given identities in both roles (the
 * best an attacker holding the long-term keys can do once the session keys are gone); returns the number
 * of messages any of them opened.
 */
export async function messagesOpenedFromCapture(frames: ProxiedFrame[], identities: { identity: IdentityKeyPair; peer: Uint8Array }[]): Promise<number> {
  let opened = 0;
  for (const { identity, peer } of identities) {
    for (const role of ['initiator', 'responder'] as const) {
      const rooms = new Map<string, ChatSession>();
      for (const f of frames) {
        const key = toBase64Url(f.frame.target);
        let session = rooms.get(key);
        if (!session) {
          session = createChatSession({ identity, peerIdentityKey: peer, roomId: f.frame.target, role, send: () => undefined, retryMs: 60_000 });
          session.on('message', () => opened++);
          await session.start();
          rooms.set(key, session);
        }
        await session.receive(f.frame.payload);
      }
      for (const s of rooms.values()) s.destroy();
    }
  }
  return opened;
}

/** Files under `dir` (recursively) that contain `text` as UTF-8 or UTF-16 (how browsers store strings). */
export function filesContaining(dir: string, text: string): string[] {
  const needles = [Buffer.from(utf8(text)), Buffer.from(text, 'utf16le')];
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue; // gone while we looked (the browser is running)
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        const bytes = readFileSync(path);
        if (needles.some((n) => bytes.includes(n))) found.push(path);
      }
    }
  };
  walk(dir);
  return found;
}

/** The chat frame types (hs1, hs2, hs3, message) one connection sent into rooms, in order, from frame `since` on. */
export function chatFrameTypesSent(proxy: WsProxy, connection: number, since: number): number[] {
  return proxy.frames
    .slice(since)
    .filter((f) => f.connection === connection && f.direction === 'up' && f.frame.type === DATA.toRoom)
    .map((f) => decodeFrame(f.frame.payload).type);
}

export const isHandshake = (type: number) => type === FRAME_TYPE.hs1 || type === FRAME_TYPE.hs2 || type === FRAME_TYPE.hs3;

/**
 * Makes the proxy a relay that substitutes keys for `victim`'s connection: the contact's room frames never
 * reach the victim; mallory answers the victim's handshake in the contact's role with static and ratchet
 * keys of its own, certified as the contact's identity key but signed with mallory's own key (the relay has
 * no other). Mallory learns the room from the victim's frames or, when the victim waits for HS1, from the
 * contact's first frame (so the contact must join). Returns a stop function.
 */
export async function substituteKeys(proxy: WsProxy, victim: { connection: number; identityKey: Uint8Array; contactKey: Uint8Array }): Promise<() => void> {
  const mallory: IdentityKeyPair = { publicKey: victim.contactKey, privateKey: (await generateIdentity()).privateKey };
  const role = chooseRole(victim.contactKey, victim.identityKey);
  const sessions = new Map<string, ChatSession>();
  const sessionFor = (room: Uint8Array): ChatSession => {
    const key = toBase64Url(room);
    let s = sessions.get(key);
    if (!s) {
      s = createChatSession({
        identity: mallory,
        peerIdentityKey: victim.identityKey,
        roomId: room,
        role,
        send: (frame) => proxy.inject(victim.connection, 'down', roomFrameDown(room, frame)),
      });
      sessions.set(key, s);
      void s.start();
    }
    return s;
  };
  proxy.rule = (f) => {
    if (f.connection !== victim.connection) return undefined;
    // The real contact is never heard; its first frame tells mallory the room (when the victim waits for HS1).
    if (f.direction === 'down' && f.frame.type === DATA.fromRoom) {
      sessionFor(f.frame.target);
      return [];
    }
    if (f.direction === 'up' && f.frame.type === DATA.toRoom) void sessionFor(f.frame.target).receive(f.frame.payload);
    return undefined;
  };
  return () => {
    proxy.rule = null;
    for (const s of sessions.values()) s.destroy();
  };
}

// Secure-chat invitations (lib/chat/invite.ts): sealed one-to-one, under their own authenticated format id,
// fresh only within a window, opened once. Hostile inputs are refused with a specific code.
import { describe, expect, it } from 'vitest';
import { randomBytes, utf8 } from '../../../lib/bytes';
import { decodeInvite, encodeInvite, INVITE_WINDOW_MS, openInvite, sealInvite } from '../../../lib/chat/invite';
import { FORMAT_ID } from '../../../lib/crypto/format-ids';
import { openMessage, sealMessage } from '../../../lib/crypto/message';
import { MemoryReplayCache } from '../../../lib/crypto/replay-cache';
import { makeUser } from '../crypto/fixtures';

const cache = () => new MemoryReplayCache(100);

describe('chat invitations', () => {
  it('opens for the addressee with the sender key, room and kind; a copy is refused as a replay', async () => {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const roomId = randomBytes(32);
    const sealed = await sealInvite({ sender: alice, recipient: bob.bundle, invite: { kind: 'invite', roomId } });
    expect(sealed[0]).toBe(FORMAT_ID.chatInviteV1);
    const replayCache = cache();
    const opened = await openInvite(sealed, bob.me, { replayCache });
    expect(opened.kind).toBe('invite');
    expect(opened.roomId).toEqual(roomId);
    expect(opened.senderIdentityKey).toEqual(alice.identity.publicKey);
    await expect(openInvite(sealed, bob.me, { replayCache })).rejects.toMatchObject({ code: 'replayed' });
  });

  it('is never readable as a text message, and a text message is never an invitation', async () => {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const invite = await sealInvite({ sender: alice, recipient: bob.bundle, invite: { kind: 'invite', roomId: randomBytes(32) } });
    await expect(openMessage(invite, bob.me)).rejects.toMatchObject({ code: 'unknown-version' });
    // Relabelled as a text message: the format id is authenticated.
    await expect(openMessage(Uint8Array.of(FORMAT_ID.modernMessageV1, ...invite.subarray(1)), bob.me)).rejects.toMatchObject({ code: 'tampered' });
    const text = await sealMessage({ sender: alice, recipients: [bob.bundle], plaintext: encodeInvite({ kind: 'invite', roomId: randomBytes(32) }) });
    await expect(openInvite(text, bob.me, { replayCache: cache() })).rejects.toMatchObject({ code: 'unknown-version' });
    await expect(openInvite(Uint8Array.of(FORMAT_ID.chatInviteV1, ...text.subarray(1)), bob.me, { replayCache: cache() })).rejects.toMatchObject({ code: 'tampered' });
  });

  it('refuses stale, future-dated, third-party and group invitations', async () => {
    const [alice, bob, carol] = await Promise.all([makeUser(), makeUser(), makeUser()]);
    const invite = { kind: 'invite' as const, roomId: randomBytes(32) };
    const now = Date.now();
    const old = await sealInvite({ sender: alice, recipient: bob.bundle, invite, timestamp: now - INVITE_WINDOW_MS - 1000 });
    await expect(openInvite(old, bob.me, { replayCache: cache(), now })).rejects.toMatchObject({ code: 'malformed' });
    const ahead = await sealInvite({ sender: alice, recipient: bob.bundle, invite, timestamp: now + INVITE_WINDOW_MS + 1000 });
    await expect(openInvite(ahead, bob.me, { replayCache: cache(), now })).rejects.toMatchObject({ code: 'malformed' });
    const forCarol = await sealInvite({ sender: alice, recipient: carol.bundle, invite });
    await expect(openInvite(forCarol, bob.me, { replayCache: cache() })).rejects.toMatchObject({ code: 'not-addressed' });
    const group = await sealMessage({ sender: alice, recipients: [bob.bundle, carol.bundle], plaintext: encodeInvite(invite), format: FORMAT_ID.chatInviteV1 });
    await expect(openInvite(group, bob.me, { replayCache: cache() })).rejects.toMatchObject({ code: 'malformed' });
  });

  it('decodes only its own layout', () => {
    const roomId = randomBytes(32);
    expect(decodeInvite(encodeInvite({ kind: 'withdraw', roomId }))).toEqual({ kind: 'withdraw', roomId });
    expect(() => encodeInvite({ kind: 'invite', roomId: randomBytes(16) })).toThrow(expect.objectContaining({ code: 'malformed' }));
    expect(() => decodeInvite(Uint8Array.of(2, 1, ...roomId))).toThrow(expect.objectContaining({ code: 'unknown-version' }));
    expect(() => decodeInvite(Uint8Array.of(1, 9, ...roomId))).toThrow(expect.objectContaining({ code: 'malformed' }));
    expect(() => decodeInvite(Uint8Array.of(1, 1, ...roomId, 0))).toThrow(expect.objectContaining({ code: 'malformed' }));
    expect(() => decodeInvite(utf8(''))).toThrow(expect.objectContaining({ code: 'unknown-version' }));
  });
});

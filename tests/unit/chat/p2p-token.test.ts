// Peer-to-peer chat tokens (lib/chat/p2p-sdp.ts, lib/chat/p2p-token.ts): real browser SDP cut to its fields
// and rebuilt; invitations (offers) and answers sealed to one pinned contact with a signed DTLS fingerprint.
// Forged, foreign, replayed, stale and misaddressed tokens are refused with their own codes.
import { describe, expect, it } from 'vitest';
import { armor, dearmor } from '../../../lib/armor/armor';
import { concat, equalBytes, utf8 } from '../../../lib/bytes';
import {
  decodeCandidates, encodeCandidates, fingerprintText, minimizeSdp, parseCandidate, rebuildSdp, type P2PDescription,
} from '../../../lib/chat/p2p-sdp';
import { assertPeerFingerprint, newP2PId, openP2PToken, P2P_WINDOW_MS, sealP2PToken, type P2PToken } from '../../../lib/chat/p2p-token';
import { FORMAT_ID } from '../../../lib/crypto/format-ids';
import { keyIdBytes, SIGNATURE_CONTEXT, signWithContext } from '../../../lib/crypto/identity';
import { openMessageV2, sealMessageV2 } from '../../../lib/crypto/message-v2';
import { MemoryReplayCache } from '../../../lib/crypto/replay-cache';
import { codeOf, makeUser, type TestUser } from '../crypto/fixtures';
import { CHROMIUM_ANSWER, CHROMIUM_OFFER, FIREFOX_OFFER } from './p2p-sdp-samples';

/** The pinned contacts of a user, as the background resolves sender key ids. */
function pinned(...users: TestUser[]) {
  return async (keyId: Uint8Array) => {
    for (const u of users) if (equalBytes(await keyIdBytes(u.identity.publicKey), keyId)) return u.identity.publicKey;
    return undefined;
  };
}
const me = (u: TestUser) => ({ identity: u.identity, prekeys: [u.prekey] });
const offerOf = (sdp = CHROMIUM_OFFER): P2PToken => ({ kind: 'offer', id: newP2PId(), description: minimizeSdp(sdp) });

describe('peer-to-peer descriptions', () => {
  it('keeps only what a data channel needs from Chromium’s SDP, and rebuilds an SDP with the same fields', () => {
    const d = minimizeSdp(CHROMIUM_OFFER);
    expect(d).toMatchObject({ mid: '0', iceUfrag: 'XJlv', icePwd: '5TB3Mptdu7JIeLjqwM2XkGup', setup: 'actpass' });
    expect(fingerprintText(d.fingerprint)).toBe('19:10:20:A1:16:92:DE:92:FE:85:5B:42:EB:1F:CF:BD:09:E3:E6:E8:2A:CF:10:0B:33:91:5A:3B:98:AD:E0:6C');
    expect(d.candidates).toEqual([
      { address: '192.0.2.2', port: 50428, type: 'host' },
      { address: 'fd00:0:0:0:0:0:0:2', port: 43186, type: 'host' },
    ]);
    const rebuilt = rebuildSdp(d);
    expect(rebuilt).toContain('m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n');
    expect(minimizeSdp(rebuilt)).toEqual(d);
    expect(minimizeSdp(CHROMIUM_ANSWER).setup).toBe('active');
  });

  it('carries Firefox’s mDNS host names and leaves out TCP candidates', () => {
    const d = minimizeSdp(FIREFOX_OFFER);
    expect(d.candidates.map((c) => c.address)).toEqual(['088bc12d-3c11-4ec9-b40f-e4c4dfe7c943.local', 'fc89cbb2-d0c4-4f6a-9d3f-36765189523f.local']);
    const bytes = encodeCandidates(d.candidates);
    expect(bytes.length).toBe(1 + 2 * 19);
    expect(decodeCandidates(bytes, 0)).toEqual({ candidates: d.candidates, end: bytes.length });
  });

  it('writes IPv6 addresses in one form and refuses candidates it cannot carry', () => {
    const c = parseCandidate('1 1 udp 1 2001:db8:0:0:1::ab 5000 typ srflx raddr 0.0.0.0 rport 0')!;
    expect(decodeCandidates(encodeCandidates([c]), 0).candidates[0]).toEqual({ address: '2001:db8:0:0:1:0:0:ab', port: 5000, type: 'srflx' });
    expect(parseCandidate('1 2 udp 1 192.0.2.1 5000 typ host')).toBeUndefined(); // RTCP component
    expect(parseCandidate('1 1 tcp 1 192.0.2.1 9 typ host tcptype active')).toBeUndefined();
    expect(parseCandidate('1 1 udp 1 300.1.1.1 5000 typ host')).toBeUndefined();
    expect(parseCandidate('1 1 udp 1 evil.example 5000 typ host')).toBeUndefined();
    expect(parseCandidate('1 1 udp 1 192.0.2.1 0 typ host')).toBeUndefined();
    expect(() => decodeCandidates(Uint8Array.of(1, 0x03, 1, 2, 3, 4, 0, 1), 0)).toThrow(expect.objectContaining({ code: 'malformed' }));
    expect(() => decodeCandidates(Uint8Array.of(1, 0x00, 1, 2, 3), 0)).toThrow(expect.objectContaining({ code: 'malformed' }));
    expect(() => decodeCandidates(Uint8Array.of(1, 0x00, 1, 2, 3, 4, 0, 0), 0)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  it('refuses SDP without the fields it needs or with another fingerprint hash', () => {
    expect(() => minimizeSdp(CHROMIUM_OFFER.replace(/a=ice-pwd:.*\r\n/, ''))).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => minimizeSdp(CHROMIUM_OFFER.replace('sha-256', 'sha-1'))).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => minimizeSdp(CHROMIUM_OFFER.replace('a=ice-ufrag:XJlv', 'a=ice-ufrag:X J'))).toThrow(expect.objectContaining({ code: 'malformed' }));
    const bad: P2PDescription = { ...minimizeSdp(CHROMIUM_OFFER), mid: '0\r\na=evil' };
    expect(() => rebuildSdp(bad)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });
});

describe('peer-to-peer tokens', () => {
  it('opens for the contact with the signed description; the sender’s own copy shows as its own', async () => {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const token = offerOf();
    const sealed = await sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token });
    expect(sealed[0]).toBe(FORMAT_ID.p2pOfferV1);
    const opened = await openP2PToken(sealed, me(bob), { resolveSender: pinned(alice) });
    expect(opened).toMatchObject({ kind: 'offer', id: token.id, description: token.description, senderIdentityKey: alice.identity.publicKey, ownCopy: false });
    expect(minimizeSdp(rebuildSdp(token.description))).toEqual(token.description);
    expect(await openP2PToken(sealed, me(alice), { resolveSender: pinned(bob) })).toMatchObject({ kind: 'offer', id: token.id, ownCopy: true });
    const answer = await sealP2PToken({ identity: bob.identity, recipient: alice.bundle, token: { kind: 'answer', id: token.id, description: minimizeSdp(CHROMIUM_ANSWER) } });
    expect(answer[0]).toBe(FORMAT_ID.p2pAnswerV1);
    expect(await openP2PToken(answer, me(alice), { resolveSender: pinned(bob) })).toMatchObject({ kind: 'answer', id: token.id, ownCopy: false });
  });

  it('fits a 2,000-character host message as one armor part (measured)', async () => {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const sizes: Record<string, number[]> = {};
    for (const [name, sdp] of [['chromium offer', CHROMIUM_OFFER], ['chromium answer', CHROMIUM_ANSWER], ['firefox offer', FIREFOX_OFFER]] as const) {
      const kind = name.endsWith('offer') ? 'offer' : 'answer';
      const sealed = await sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token: { kind, id: newP2PId(), description: minimizeSdp(sdp) } });
      const parts = armor(sealed, { maxPartLength: 2000 });
      expect(parts).toHaveLength(1);
      sizes[name] = [sdp.length, sealed.length, parts[0]!.length];
    }
    // The worst case: eight IPv6 candidates.
    const many = { ...minimizeSdp(CHROMIUM_OFFER), candidates: Array.from({ length: 8 }, (_, i) => ({ address: `2001:db8::${i + 1}`, port: 40000 + i, type: 'host' as const })) };
    const big = await sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token: { kind: 'offer', id: newP2PId(), description: many } });
    const bigParts = armor(big, { maxPartLength: 2000 });
    expect(bigParts).toHaveLength(1);
    sizes['8 IPv6 candidates'] = [rebuildSdp(many).length, big.length, bigParts[0]!.length];
    expect(Math.max(...Object.values(sizes).map((s) => s[2]!))).toBeLessThanOrEqual(2000);
    console.log('p2p token sizes [SDP chars, sealed bytes, armored chars]:', JSON.stringify(sizes));
  });

  it('refuses a token whose message signature is forged (claims the contact, signed by another key)', async () => {
    const [alice, bob, mallory] = await Promise.all([makeUser(), makeUser(), makeUser()]);
    // Mallory names Alice's key id but can only sign with her own key.
    const forger = { publicKey: alice.identity.publicKey, privateKey: mallory.identity.privateKey };
    const sealed = await sealP2PToken({ identity: forger, recipient: bob.bundle, token: offerOf() });
    expect(await codeOf(openP2PToken(sealed, me(bob), { resolveSender: pinned(alice) }))).toBe('bad-signature');
  });

  it('refuses a foreign DTLS fingerprint: a contact passing on connection details someone else signed', async () => {
    const [alice, bob, mallory] = await Promise.all([makeUser(), makeUser(), makeUser()]);
    // Alice's offer to Mallory, which Mallory (a contact of Bob's) re-seals to Bob as her own.
    const toMallory = await sealP2PToken({ identity: alice.identity, recipient: mallory.bundle, token: offerOf() });
    const inner = await openMessageV2(toMallory, me(mallory), { format: FORMAT_ID.p2pOfferV1, resolveSender: pinned(alice) });
    const resealed = await sealMessageV2({ identity: mallory.identity, recipients: [bob.bundle], plaintext: inner.plaintext, format: FORMAT_ID.p2pOfferV1 });
    expect(await codeOf(openP2PToken(resealed, me(bob), { resolveSender: pinned(mallory) }))).toBe('foreign-fingerprint');
    // A fingerprint signed for Mallory with one byte changed by Mallory: still foreign.
    const changed = inner.plaintext.slice();
    changed[changed.length - 64 - 10]! ^= 1;
    const altered = await sealMessageV2({ identity: mallory.identity, recipients: [bob.bundle], plaintext: changed, format: FORMAT_ID.p2pOfferV1 });
    expect(await codeOf(openP2PToken(altered, me(bob), { resolveSender: pinned(mallory) }))).toBe('foreign-fingerprint');
    // The channel's certificate, as the browser reports it, must be the signed one.
    const signed = minimizeSdp(CHROMIUM_OFFER).fingerprint;
    expect(() => assertPeerFingerprint(signed, signed.slice())).not.toThrow();
    expect(() => assertPeerFingerprint(signed, minimizeSdp(CHROMIUM_ANSWER).fingerprint)).toThrow(expect.objectContaining({ code: 'foreign-fingerprint' }));
  });

  it('opens an offer once: a replayed offer is refused', async () => {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const sealed = await sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token: offerOf() });
    const replayCache = new MemoryReplayCache(100);
    // Showing it (no cache) does not use it up; joining does.
    await openP2PToken(sealed, me(bob), { resolveSender: pinned(alice) });
    await openP2PToken(sealed, me(bob), { resolveSender: pinned(alice), replayCache });
    expect(await codeOf(openP2PToken(sealed, me(bob), { resolveSender: pinned(alice), replayCache }))).toBe('replayed');
  });

  it('refuses a token from someone not pinned, or for someone else', async () => {
    const [alice, bob, carol] = await Promise.all([makeUser(), makeUser(), makeUser()]);
    const sealed = await sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token: offerOf() });
    expect(await codeOf(openP2PToken(sealed, me(bob), { resolveSender: pinned(carol) }))).toBe('key-mismatch');
    expect(await codeOf(openP2PToken(sealed, me(carol), { resolveSender: pinned(alice) }))).toBe('not-addressed');
  });

  it('refuses a contact’s signed token whose description would inject SDP lines or breaks the field rules', async () => {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const d = minimizeSdp(CHROMIUM_ANSWER);
    // The token body written by hand (a hostile or broken app of a pinned contact), properly signed and sealed.
    const field = (s: string) => concat(Uint8Array.of(utf8(s).length), utf8(s));
    const hostile = async (mid: string, ufrag = d.iceUfrag) => {
      const body = concat(Uint8Array.of(1), newP2PId(), field(mid), field(ufrag), field(d.icePwd), Uint8Array.of(1), d.fingerprint, encodeCandidates(d.candidates));
      const signed = concat(Uint8Array.of(FORMAT_ID.p2pAnswerV1), alice.identity.publicKey, body);
      const signature = await signWithContext(bob.identity.privateKey, SIGNATURE_CONTEXT.p2pDtls, signed);
      return sealMessageV2({ identity: bob.identity, recipients: [alice.bundle], plaintext: concat(body, signature), format: FORMAT_ID.p2pAnswerV1 });
    };
    // Control: the same hand-written body with valid fields opens.
    await expect(openP2PToken(await hostile(d.mid), me(alice), { resolveSender: pinned(bob) })).resolves.toMatchObject({ kind: 'answer' });
    expect(await codeOf(openP2PToken(await hostile('0\r\na=candidate:9 1 udp 1 10.0.0.1 22 typ host'), me(alice), { resolveSender: pinned(bob) }))).toBe('malformed');
    expect(await codeOf(openP2PToken(await hostile('0', 'ab'), me(alice), { resolveSender: pinned(bob) }))).toBe('malformed');
    expect(await codeOf(openP2PToken(await hostile('x'.repeat(200)), me(alice), { resolveSender: pinned(bob) }))).toBe('malformed');
  });

  it('refuses expired and future-dated tokens', async () => {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const now = Date.now();
    const old = await sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token: offerOf(), timestamp: now - P2P_WINDOW_MS - 2000 });
    expect(await codeOf(openP2PToken(old, me(bob), { resolveSender: pinned(alice), now }))).toBe('expired');
    const fresh = await sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token: offerOf(), timestamp: now - P2P_WINDOW_MS + 5000 });
    await expect(openP2PToken(fresh, me(bob), { resolveSender: pinned(alice), now })).resolves.toMatchObject({ kind: 'offer' });
    const ahead = await sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token: offerOf(), timestamp: now + P2P_WINDOW_MS });
    expect(await codeOf(openP2PToken(ahead, me(bob), { resolveSender: pinned(alice), now }))).toBe('malformed');
  });

  it('is never a text message, and an offer cannot pass as an answer', async () => {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const sealed = await sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token: offerOf() });
    expect(await codeOf(openMessageV2(sealed, me(bob)))).toBe('unknown-version');
    const relabelled = concat(Uint8Array.of(FORMAT_ID.p2pAnswerV1), sealed.subarray(1));
    expect(await codeOf(openP2PToken(relabelled, me(bob), { resolveSender: pinned(alice) }))).toBe('tampered');
    const text = await sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: new Uint8Array(200) });
    expect(await codeOf(openP2PToken(text, me(bob), { resolveSender: pinned(alice) }))).toBe('unknown-version');
    expect(dearmor(armor(sealed))).toEqual(sealed);
  });
});

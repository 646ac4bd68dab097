// Channel binding of v2 messages (lib/crypto/channel.ts, extension 0x81): the format, and what a reader
// shows for a genuine message opened where it was not sent.
import { beforeAll, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../../lib/bytes';
import { type Channel, CHANNEL_EXTENSION, decodeChannel, encodeChannel, parseChannel } from '../../../lib/crypto/channel';
import { openMessageV2, sealMessageV2 } from '../../../lib/crypto/message-v2';
import { MemoryReplayCache } from '../../../lib/crypto/replay-cache';
import { codeOf, makeUser, type TestUser } from './fixtures';

let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  [alice, bob] = await Promise.all([makeUser(), makeUser()]);
});

const keysOf = (u: TestUser) => ({ identity: u.identity, prekeys: [u.prekey] });
const seal = (text: string, channel?: Channel) =>
  sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: utf8(text), senderKey: 'full', ...(channel ? { channel } : {}) });
const CHAT: Channel = { kind: 'site', site: 'https://chat.example', conversation: 'room-1' };

describe('channel extension: format', () => {
  it('is a kind byte and 8-byte hashes: 9 bytes for a mailbox or site, 17 with a conversation', async () => {
    const mailbox = await encodeChannel({ kind: 'mailbox', mailbox: 'Bob' });
    expect(mailbox).toHaveLength(9);
    expect(mailbox[0]).toBe(0x01);
    expect(await encodeChannel({ kind: 'mailbox', mailbox: 'bob' })).toEqual(mailbox); // handles are case-insensitive
    const site = await encodeChannel({ kind: 'site', site: 'https://chat.example' });
    expect(site).toHaveLength(9);
    expect(site[0]).toBe(0x02);
    expect(await encodeChannel({ kind: 'site', site: 'HTTPS://Chat.Example/some/path' })).toEqual(site); // the origin counts
    const withConversation = await encodeChannel(CHAT);
    expect(withConversation).toHaveLength(17);
    expect(withConversation.subarray(0, 9)).toEqual(site);
    expect(decodeChannel(withConversation)).toEqual({ kind: 'site', target: site.slice(1), conversation: withConversation.slice(9) });
  });

  it('refuses values no writer makes as tampered', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array([0x03, ...new Uint8Array(8)]), new Uint8Array(8), new Uint8Array([0x01, ...new Uint8Array(16)]), new Uint8Array([0x02, ...new Uint8Array(12)])]) {
      expect(() => decodeChannel(bad)).toThrow(expect.objectContaining({ code: 'tampered' }));
    }
  });

  it('is critical (type 0x81) and sealed only through `channel`', async () => {
    expect(CHANNEL_EXTENSION & 0x80).toBe(0x80);
    const raw = sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: utf8('x'), extensions: [{ type: CHANNEL_EXTENSION, value: new Uint8Array(9) }] });
    expect(await codeOf(raw)).toBe('malformed');
  });

  it('costs at most 20 bytes on a 20-character message', async () => {
    const text = 'twenty characters ok';
    const plain = await seal(text);
    expect((await seal(text, { kind: 'mailbox', mailbox: 'bob' })).length - plain.length).toBeLessThanOrEqual(12);
    expect((await seal(text, CHAT)).length - plain.length).toBeLessThanOrEqual(20);
  });

  it('parses the CLI form', () => {
    expect(parseChannel('mailbox:bob')).toEqual({ kind: 'mailbox', mailbox: 'bob' });
    expect(parseChannel('site:https://chat.example')).toEqual({ kind: 'site', site: 'https://chat.example' });
    expect(parseChannel('site:https://chat.example#room-1')).toEqual(CHAT);
    for (const bad of ['', 'mailbox:', 'site:', 'room:x', 'bob']) expect(() => parseChannel(bad)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });
});

describe('channel extension: opening', () => {
  it('opens where it was sent and reports the channel', async () => {
    const opened = await openMessageV2(await seal('hello', CHAT), keysOf(bob), { channel: CHAT });
    expect(fromUtf8(opened.plaintext)).toBe('hello');
    expect(opened.channel).toEqual(decodeChannel(await encodeChannel(CHAT)));
  });

  it('another site, conversation, kind or mailbox is wrong-channel, and the replay cache is not written', async () => {
    const cache = new MemoryReplayCache(10);
    const sealed = await seal('bound', CHAT);
    const elsewhere: Channel[] = [
      { kind: 'site', site: 'https://other.example', conversation: 'room-1' },
      { kind: 'site', site: 'https://other.example' },
      { kind: 'site', site: 'https://chat.example', conversation: 'room-2' },
      { kind: 'mailbox', mailbox: 'bob' },
    ];
    for (const channel of elsewhere) expect(await codeOf(openMessageV2(sealed, keysOf(bob), { channel, replayCache: cache, context: 'x' }))).toBe('wrong-channel');
    expect(cache.size).toBe(0);
    const toMailbox = await seal('direct', { kind: 'mailbox', mailbox: 'bob' });
    expect(await codeOf(openMessageV2(toMailbox, keysOf(bob), { channel: { kind: 'mailbox', mailbox: 'carol' } }))).toBe('wrong-channel');
    expect(await codeOf(openMessageV2(toMailbox, keysOf(bob), { channel: { kind: 'site', site: 'https://chat.example' } }))).toBe('wrong-channel');
    expect(fromUtf8((await openMessageV2(toMailbox, keysOf(bob), { channel: { kind: 'mailbox', mailbox: 'BOB' } })).plaintext)).toBe('direct');
  });

  it('a conversation missing on either side matches any conversation of that site', async () => {
    const noConversation = await seal('site only', { kind: 'site', site: 'https://chat.example' });
    expect((await openMessageV2(noConversation, keysOf(bob), { channel: CHAT })).channel?.conversation).toBeUndefined();
    expect(fromUtf8((await openMessageV2(await seal('from a room', CHAT), keysOf(bob), { channel: { kind: 'site', site: 'https://chat.example' } })).plaintext)).toBe('from a room');
  });

  it('a message without a channel opens anywhere; a reader without one opens any channel', async () => {
    const unbound = await openMessageV2(await seal('unbound'), keysOf(bob), { channel: CHAT });
    expect(unbound.channel).toBeUndefined();
    expect(fromUtf8((await openMessageV2(await seal('bound', CHAT), keysOf(bob))).plaintext)).toBe('bound');
  });
});

import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../lib/bytes';
import { messageDigest, openMessage, sealMessage } from '../../../lib/crypto/message';
import { sealMessageV2 } from '../../../lib/crypto/message-v2';
import { openTextMessage } from '../../../lib/crypto/open-message';
import { isC2CError } from '../../../lib/errors';
import { MAX_AGE_DAYS } from '../../../lib/keyring/replay-store';
import { dumpKeyring, freshFactory, openTestKeyring } from './helpers';

const entry = (i: number, digest = 'd' + i, context = 'room', sender = 'alice') => ({ sender, messageId: 'm' + i, digest, context });
const DAY = 24 * 60 * 60 * 1000;

describe('persistent replay cache', () => {
  it("tells fresh, same (re-render) and replayed apart, and remembers across restarts", async () => {
    const factory = freshFactory();
    const k = openTestKeyring(factory);
    expect(await k.replayCache.check(entry(1))).toBe('fresh');
    expect(await k.replayCache.check(entry(1))).toBe('same');
    expect(await k.replayCache.check(entry(1, 'other-digest'))).toBe('replayed');
    expect(await k.replayCache.check(entry(1, 'd1', 'another-room'))).toBe('replayed');
    k.close();
    const again = openTestKeyring(factory);
    expect(await again.replayCache.check(entry(1))).toBe('same');
    expect(await again.replayCache.check(entry(1, 'd1', 'another-room'))).toBe('replayed');
  });

  it('is bounded: the least recently seen ids are evicted first', async () => {
    const k = openTestKeyring(freshFactory(), 5);
    for (let i = 0; i < 5; i++) expect(await k.replayCache.check(entry(i))).toBe('fresh');
    expect(await k.replayCache.check(entry(0))).toBe('same'); // refreshes m0
    expect(await k.replayCache.check(entry(5))).toBe('fresh'); // evicts m1, the oldest
    expect(await k.db.replay.count()).toBe(5);
    expect(await k.replayCache.check(entry(0, 'x'))).toBe('replayed'); // m0 kept
    expect(await k.replayCache.check(entry(1, 'x'))).toBe('fresh'); // m1 forgotten (evicts m2)
    for (let i = 10; i < 40; i++) await k.replayCache.check(entry(i));
    expect(await k.db.replay.count()).toBe(5);
    for (let i = 35; i < 40; i++) expect(await k.replayCache.check(entry(i, 'x'))).toBe('replayed');
    expect(await k.replayCache.check(entry(34, 'x'))).toBe('fresh');
  });

  it('rejects oversized or empty fields', async () => {
    const k = openTestKeyring();
    const malformed = (e: unknown) => isC2CError(e, 'malformed');
    await expect(k.replayCache.check({ sender: 's', messageId: '', digest: 'd', context: '' })).rejects.toSatisfy(malformed);
    await expect(k.replayCache.check({ sender: '', messageId: 'm', digest: 'd', context: '' })).rejects.toSatisfy(malformed);
    await expect(k.replayCache.check({ sender: 's', messageId: 'm', digest: 'd'.repeat(129), context: '' })).rejects.toSatisfy(malformed);
    await expect(k.replayCache.check({ sender: 's', messageId: 'm', digest: 'd', context: 'c'.repeat(1025) })).rejects.toSatisfy(malformed);
    expect(await k.db.replay.count()).toBe(0);
  });

  it('plugs into openMessage: a re-rendered token is same, the token in another conversation is replayed', async () => {
    const k = openTestKeyring();
    await k.createIdentity('alice');
    const sealed = await sealMessage({ sender: await k.getSenderKeys(), recipients: [], plaintext: utf8('hi') });
    const keys = await k.getOpeningKeys();
    expect((await openMessage(sealed, keys, { replayCache: k.replayCache, context: 'room-a' })).replay).toBe('fresh');
    expect((await openMessage(sealed, keys, { replayCache: k.replayCache, context: 'room-a' })).replay).toBe('same');
    await expect(openMessage(sealed, keys, { replayCache: k.replayCache, context: 'room-b' })).rejects.toSatisfy((e) => isC2CError(e, 'replayed'));
    expect(await k.db.replay.count()).toBe(1);
  });

  it('keys entries by sender: an id squatted under another sender leaves the genuine message fresh', async () => {
    const k = openTestKeyring();
    expect(await k.replayCache.check(entry(1, 'forged', 'room', 'mallory'))).toBe('fresh');
    expect(await k.replayCache.check(entry(1))).toBe('fresh');
    expect(await k.replayCache.check(entry(1))).toBe('same');
  });

  it('stores keyed hashes only: no id, digest, sender or context appears in IndexedDB', async () => {
    const factory = freshFactory();
    const k = openTestKeyring(factory);
    await k.createIdentity('alice');
    const sealed = await sealMessageV2({ identity: (await k.getSenderKeys()).identity, recipients: [], plaintext: utf8('at rest'), senderKey: 'full' });
    const keys = await k.getOpeningKeys();
    const opened = await openTextMessage(sealed, { identity: keys.identity, prekeys: keys.prekeys }, { replayCache: k.replayCache, context: 'page:https://chat.example' });
    const dump = JSON.stringify(await dumpKeyring(k));
    for (const secret of [opened.messageId, await messageDigest(sealed), 'chat.example', toHex(keys.identity.publicKey)]) expect(dump).not.toContain(secret);
    const rows = await k.db.replay.toArray();
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!).sort()).toEqual(['day', 'key', 'seq', 'sighting']);
    // The HMAC secret is a non-extractable key: the rows cannot be matched against a message without WebCrypto.
    const secret = await k.db.replaySecret.get('active');
    expect(secret?.key.extractable).toBe(false);
    // A second keyring has its own secret: the same entry hashes differently.
    const other = openTestKeyring();
    await other.replayCache.check(entry(1));
    await k.replayCache.check(entry(1));
    const otherKeys = (await other.db.replay.toArray()).map((r) => r.key);
    expect((await k.db.replay.toArray()).some((r) => otherKeys.includes(r.key))).toBe(false);
    k.close();
    // And the secret survives a restart, so the table stays usable.
    const again = openTestKeyring(factory);
    expect(await again.replayCache.check(entry(1))).toBe('same');
  });

  it('drops entries not seen for more than the age limit; the message then reads as first seen', async () => {
    const k = openTestKeyring();
    const start = Date.UTC(2026, 0, 1);
    const cache = k.replayCache;
    expect(await cache.check(entry(1), start)).toBe('fresh');
    expect(await cache.check(entry(2), start)).toBe('fresh');
    expect(await cache.check(entry(2), start + 20 * DAY)).toBe('same'); // seen again: its age starts anew
    expect(await cache.check(entry(1, 'x'), start + MAX_AGE_DAYS * DAY)).toBe('replayed'); // still within the limit
    expect(await cache.check(entry(3), start + (MAX_AGE_DAYS + 1) * DAY)).toBe('fresh');
    expect(await k.db.replay.count()).toBe(2); // entry 1 dropped, 2 and 3 kept
    expect(await cache.check(entry(1, 'x'), start + (MAX_AGE_DAYS + 1) * DAY)).toBe('fresh');
    expect(await cache.check(entry(2, 'x'), start + (MAX_AGE_DAYS + 1) * DAY)).toBe('replayed');
  });
});

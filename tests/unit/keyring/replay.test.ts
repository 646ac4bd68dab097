import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../lib/bytes';
import { messageDigest, openMessage, sealMessage } from '../../../lib/crypto/message';
import { isC2CError } from '../../../lib/errors';
import { freshFactory, openTestKeyring } from './helpers';

const entry = (i: number, digest = 'd' + i, context = 'room') => ({ messageId: 'm' + i, digest, context });

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
    expect((await k.db.replay.toArray()).map((r) => r.messageId)).toEqual(['m35', 'm36', 'm37', 'm38', 'm39']);
  });

  it('rejects oversized or empty fields', async () => {
    const k = openTestKeyring();
    await expect(k.replayCache.check({ messageId: '', digest: 'd', context: '' })).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    await expect(k.replayCache.check({ messageId: 'm', digest: 'd'.repeat(129), context: '' })).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    await expect(k.replayCache.check({ messageId: 'm', digest: 'd', context: 'c'.repeat(1025) })).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
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
    const row = await k.db.replay.toCollection().first();
    expect(row?.digest).toBe(await messageDigest(sealed));
  });
});

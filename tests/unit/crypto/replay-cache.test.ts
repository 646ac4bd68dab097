import { describe, expect, it } from 'vitest';
import { MemoryReplayCache } from '../../../lib/crypto/replay-cache';

const entry = (messageId: string, digest = 'd1', context = 'chat-1', sender = 'alice') => ({ sender, messageId, digest, context });

describe('MemoryReplayCache', () => {
  it('fresh, then same for the same token in the same place', async () => {
    const cache = new MemoryReplayCache(10);
    expect(await cache.check(entry('a'))).toBe('fresh');
    expect(await cache.check(entry('a'))).toBe('same');
    expect(await cache.check(entry('a'))).toBe('same');
  });

  it('replayed for the same id with another digest or in another context, and remembers the original', async () => {
    const cache = new MemoryReplayCache(10);
    await cache.check(entry('a'));
    expect(await cache.check(entry('a', 'd2'))).toBe('replayed');
    expect(await cache.check(entry('a', 'd1', 'chat-2'))).toBe('replayed');
    expect(await cache.check(entry('a'))).toBe('same');
  });

  it('keys entries by sender: another sender with the same id is a different entry', async () => {
    const cache = new MemoryReplayCache(10);
    expect(await cache.check(entry('a', 'forged', 'chat-1', 'mallory'))).toBe('fresh');
    expect(await cache.check(entry('a'))).toBe('fresh');
    expect(await cache.check(entry('a'))).toBe('same');
  });

  it('is bounded: evicts the least recently seen id', async () => {
    const cache = new MemoryReplayCache(2);
    await cache.check(entry('a'));
    await cache.check(entry('b'));
    await cache.check(entry('a')); // refreshes a
    await cache.check(entry('c')); // evicts b
    expect(cache.size).toBe(2);
    expect(await cache.check(entry('a', 'other'))).toBe('replayed');
    expect(await cache.check(entry('b', 'other'))).toBe('fresh');
  });

  it('refuses a nonsensical size', () => {
    expect(() => new MemoryReplayCache(0)).toThrow(RangeError);
  });
});

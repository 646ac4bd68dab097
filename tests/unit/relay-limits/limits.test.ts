// The relay's cross-connection limits as pure code: network prefixes and keyed token buckets.
import { describe, expect, it } from 'vitest';
import { ipPrefix } from '../../../relay/limits/ip-prefix';
import { KeyedBuckets } from '../../../relay/limits/token-buckets';
import { Admission } from '../../../relay/limits/admission';

describe('ipPrefix', () => {
  it('groups IPv4 by /24, also when written as an IPv4-mapped IPv6 address', () => {
    expect(ipPrefix('203.0.113.7')).toBe(ipPrefix('203.0.113.250'));
    expect(ipPrefix('::ffff:203.0.113.7')).toBe(ipPrefix('203.0.113.9'));
    expect(ipPrefix('203.0.114.7')).not.toBe(ipPrefix('203.0.113.7'));
  });

  it('groups IPv6 by /56 whatever the spelling', () => {
    expect(ipPrefix('2001:db8:aa:bb00::1')).toBe(ipPrefix('2001:0db8:00aa:bbff:ffff:ffff:ffff:ffff'));
    expect(ipPrefix('2001:db8:aa:bb00::1')).not.toBe(ipPrefix('2001:db8:aa:bc00::1'));
    expect(ipPrefix('fe80::1%eth0')).toBe(ipPrefix('fe80::2'));
    expect(ipPrefix('::1')).toBe(ipPrefix('0:0:0:0:0:0:0:1'));
    expect(ipPrefix('64:ff9b::192.0.2.1')).toBe(ipPrefix('64:ff9b::c000:201'));
    expect(ipPrefix('2001:db8::')).not.toBe(ipPrefix('203.0.113.7'));
  });
});

describe('KeyedBuckets', () => {
  it('allows the burst, then the rate, per key', () => {
    const b = new KeyedBuckets(2, 3);
    const takes = (key: string, now: number, n: number) => Array.from({ length: n }, () => b.take(key, now));
    expect(takes('a', 0, 4)).toEqual([true, true, true, false]);
    expect(takes('b', 0, 1)).toEqual([true]); // another key has its own bucket
    expect(takes('a', 499, 1)).toEqual([false]); // 0.998 of a token refilled
    expect(takes('a', 500, 2)).toEqual([true, false]); // one token per half second
    expect(takes('a', 10_000, 4)).toEqual([true, true, true, false]); // refills only up to the burst
  });

  it('forgets full buckets on sweep, so memory follows the active keys', () => {
    const b = new KeyedBuckets(10, 10);
    for (let i = 0; i < 100; i++) b.take(`k${i}`, 0);
    expect(b.size).toBe(100);
    b.sweep(50); // half a token back: still remembered
    expect(b.size).toBe(100);
    b.sweep(100);
    expect(b.size).toBe(0);
  });

  it('rate 0 means unlimited and keeps nothing', () => {
    const b = new KeyedBuckets(0, 0);
    for (let i = 0; i < 1000; i++) expect(b.take('a', 0)).toBe(true);
    expect(b.size).toBe(0);
  });
});

describe('Admission', () => {
  it('caps connections per address and in all; released slots come back', () => {
    const a = new Admission(2, 3);
    expect([a.admit('x'), a.admit('x'), a.admit('x')]).toEqual([null, null, 'too-many-conns']);
    expect([a.admit('y'), a.admit('z')]).toEqual([null, 'relay-full']);
    a.release('x');
    expect(a.admit('z')).toBeNull();
    expect(a.admit('x')).toBe('relay-full');
  });
});

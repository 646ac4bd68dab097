// The longest message each site accepts: remembered per site origin, validated before it is stored, and
// asked for by the compose overlay through the background API (`encrypt` honours it when splitting).
import { describe, expect, it } from 'vitest';
import { armor } from '@/lib/armor/armor';
import { isC2CError } from '@/lib/errors';
import { setSitePartLength, sitePartLength } from '@/lib/keyring/site-part-lengths';
import { requestSchema } from '@/lib/protocol/background-api';
import { freshFactory, openTestKeyring } from './helpers';

const SITE = 'https://chat.example.org';

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  if (!isC2CError(e) || e.code !== 'malformed') throw new Error(`expected a malformed C2CError, got ${String(e)}`);
  return e.message;
}

describe('per-site message length', () => {
  it('is remembered per origin across reopening, and forgotten with null', async () => {
    const factory = freshFactory();
    const k = openTestKeyring(factory);
    expect(await sitePartLength(k.db, SITE)).toBeNull();
    expect(await setSitePartLength(k.db, SITE, 400)).toBe(400);
    expect(await setSitePartLength(k.db, 'http://127.0.0.1:8790', 1000)).toBe(1000);
    k.close();
    const again = openTestKeyring(factory);
    expect(await sitePartLength(again.db, SITE)).toBe(400);
    expect(await sitePartLength(again.db, 'https://chat.example.org:8443')).toBeNull(); // another origin
    expect(await setSitePartLength(again.db, SITE, null)).toBeNull();
    expect(await again.getSetting('partLengths')).toEqual({ 'http://127.0.0.1:8790': 1000 });
    await setSitePartLength(again.db, 'http://127.0.0.1:8790', null);
    expect(await again.getSetting('partLengths')).toBeUndefined(); // no empty row left behind
  });

  it('refuses lengths armor cannot use and sites that are not origins, changing nothing', async () => {
    const k = openTestKeyring();
    await setSitePartLength(k.db, SITE, 400);
    for (const n of [199, 100_001, 400.5, Number.NaN, Infinity, -400]) {
      expect(await refusal(setSitePartLength(k.db, SITE, n))).toMatch(/whole number from 200 to 100000/);
    }
    for (const site of ['', 'chat.example.org', 'https://chat.example.org/room/1', 'javascript:alert(1)', 'file:///etc', `https://${'a'.repeat(600)}.org`]) {
      expect(await refusal(setSitePartLength(k.db, site, 400))).toMatch(/http\(s\) origin/);
    }
    expect(await k.getSetting('partLengths')).toEqual({ [SITE]: 400 });
  });

  it('validates the whole map when set as a setting (as a restored backup does)', async () => {
    const k = openTestKeyring();
    await expect(k.setSettings({ partLengths: { [SITE]: 150 } })).rejects.toThrow(/200 to 100000/);
    await expect(k.setSettings({ partLengths: ['x'] })).rejects.toThrow(/map of sites/);
    await expect(k.setSettings({ partLengths: { 'https://a.example/path': 400 } })).rejects.toThrow(/origin/);
    const many = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`https://s${i}.example`, 400]));
    await expect(k.setSettings({ partLengths: many })).rejects.toThrow(/at most 500 sites/);
    expect(await k.getSetting('partLengths')).toBeUndefined();
  });
});

describe('background API: maxPartLength and the site length requests', () => {
  const encrypt = (extra: Record<string, unknown>) => requestSchema.safeParse({ type: 'encrypt', recipients: ['bob'], plaintext: 'hi', ...extra });

  it('encrypt takes an optional whole maxPartLength from 200 to 100000', () => {
    expect(encrypt({}).success).toBe(true);
    expect(encrypt({ maxPartLength: 200 }).success).toBe(true);
    expect(encrypt({ maxPartLength: 100_000 }).success).toBe(true);
    for (const bad of [199, 100_001, 300.5, '400', null, Number.NaN]) expect(encrypt({ maxPartLength: bad }).success, String(bad)).toBe(false);
  });

  it('the site requests are bounded and strict', () => {
    expect(requestSchema.safeParse({ type: 'getSitePartLength', site: SITE }).success).toBe(true);
    expect(requestSchema.safeParse({ type: 'saveSitePartLength', site: SITE, maxPartLength: null }).success).toBe(true);
    expect(requestSchema.safeParse({ type: 'saveSitePartLength', site: SITE, maxPartLength: 150 }).success).toBe(false);
    expect(requestSchema.safeParse({ type: 'saveSitePartLength', site: SITE }).success).toBe(false);
    expect(requestSchema.safeParse({ type: 'getSitePartLength', site: 'x'.repeat(513) }).success).toBe(false);
    expect(requestSchema.safeParse({ type: 'getSitePartLength', site: SITE, extra: 1 }).success).toBe(false);
  });

  it('a part length the schema accepts gives parts no longer than that', () => {
    const payload = Uint8Array.from({ length: 900 }, (_, i) => i & 0xff);
    for (const n of [200, 400, 1000]) {
      const parts = armor(payload, { maxPartLength: n });
      expect(parts.length).toBeGreaterThan(1);
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(n);
    }
  });
});

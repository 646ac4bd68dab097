import { describe, expect, it } from 'vitest';
import { isC2CError } from '../../../lib/errors';
import { freshFactory, openTestKeyring } from './helpers';

describe('keyring settings', () => {
  it('stores valid settings and keeps them across reopening', async () => {
    const factory = freshFactory();
    const k = openTestKeyring(factory);
    expect(await k.getSettings()).toEqual({});
    expect(await k.getSetting('relayUrl')).toBeUndefined();
    await k.setSetting('relayUrl', ' wss://relay.example:8443/c2c ');
    await k.setSettings({ securityImage: 'owl', securityColour: '#A1B2C3', locale: 'ru' });
    k.close();
    const again = openTestKeyring(factory);
    expect(await again.getSettings()).toEqual({
      relayUrl: 'wss://relay.example:8443/c2c',
      securityImage: 'owl',
      securityColour: '#a1b2c3',
      locale: 'ru',
    });
    await again.setSetting('locale', null);
    expect(await again.getSetting('locale')).toBeUndefined();
  });

  it('rejects invalid values with a specific message and changes nothing (all or nothing)', async () => {
    const k = openTestKeyring();
    await k.setSetting('relayUrl', 'ws://127.0.0.1:8787');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ relayUrl: 'https://relay.example' }, /ws:\/\/ or wss:\/\//],
      [{ relayUrl: 'ws://relay.example:8787' }, /Use wss:\/\/ for a relay on another machine/],
      [{ relayUrl: 'ws://10.0.0.5:8787' }, /Use wss:\/\//],
      [{ relayUrl: 'javascript:alert(1)' }, /ws:\/\//],
      [{ relayUrl: 'not a url' }, /ws:\/\//],
      [{ relayUrl: 'wss://user:secret@relay.example' }, /password/],
      [{ relayUrl: 'wss://relay.example/#x' }, /fragment/],
      [{ relayUrl: 'wss://' + 'a'.repeat(3000) }, /too long/],
      [{ relayUrl: 42 }, /ws:\/\//],
      [{ securityColour: 'red' }, /#1a2b3c/],
      [{ securityColour: '#12345' }, /#1a2b3c/],
      [{ securityImage: 'skull' }, /one of/],
      [{ locale: 'de' }, /one of/],
      [{ theme: 'dark' }, /Unknown setting/],
      [JSON.parse('{"__proto__": "x", "relayUrl": "ws://a"}') as Record<string, unknown>, /Unknown setting/],
      [{ toString: 'x' }, /Unknown setting/],
    ];
    for (const [change, message] of cases) {
      // A valid change in the same call must not be written when another one fails.
      const attempt = k.setSettings({ securityImage: 'cat', ...change });
      await expect(attempt).rejects.toSatisfy((e) => isC2CError(e, 'malformed') && message.test((e as Error).message));
    }
    expect(await k.getSettings()).toEqual({ relayUrl: 'ws://127.0.0.1:8787' });
  });
});

describe('relay address', () => {
  it('accepts wss:// anywhere and ws:// only on this machine or a .onion address', async () => {
    const k = openTestKeyring();
    for (const ok of ['wss://relay.example/c2c', 'ws://127.0.0.1:8787', 'ws://localhost:8787', 'ws://[::1]:8787', 'ws://abcdefghijklmnop.onion/']) {
      await k.setSetting('relayUrl', ok);
      expect(await k.getSetting('relayUrl')).toBe(ok);
    }
  });

  it('takes several addresses of one relay, separated by commas or spaces, each checked on its own', async () => {
    const k = openTestKeyring();
    await k.setSetting('relayUrl', ' wss://node1.example/c2c,wss://node2.example:8443\n ws://127.0.0.1:8787 ');
    expect(await k.getSetting('relayUrl')).toBe('wss://node1.example/c2c, wss://node2.example:8443, ws://127.0.0.1:8787');
    const cases: Array<[string, RegExp]> = [
      ['wss://node1.example, ws://node2.example:8787', /^Relay address 2 of 2: Use wss:\/\/ for a relay on another machine/],
      ['wss://node1.example, https://node2.example', /^Relay address 2 of 2: The relay address must start with ws:\/\/ or wss:\/\//],
      ['wss://user:pw@node1.example, wss://node2.example', /^Relay address 1 of 2: .*password/],
      [' , ,, ', /must start with ws:\/\/ or wss:\/\//],
      [Array.from({ length: 9 }, (_, i) => `wss://n${i}.example`).join(','), /at most 8 relay addresses/],
      [`wss://relay.example/${'a'.repeat(2048)}`, /^The relay address is too long \(at most 2048 characters in all\)\.$/],
      // 2047 characters as typed, 2054 once each "," became ", ": refused, not kept longer than the bound.
      [Array.from({ length: 8 }, (_, i) => `wss://n${i}.example/${'a'.repeat(238)}`).join(','), /^The relay address is too long/],
    ];
    for (const [value, message] of cases) {
      await expect(k.setSetting('relayUrl', value)).rejects.toSatisfy((e) => isC2CError(e, 'malformed') && message.test((e as Error).message));
    }
    // Nothing of a refused list was stored.
    expect(await k.getSetting('relayUrl')).toBe('wss://node1.example/c2c, wss://node2.example:8443, ws://127.0.0.1:8787');
  });
});

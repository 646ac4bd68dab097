// The relay's limit flags: defaults, parsing, and one clear error per bad value.
import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseRelayArgs } from '../../../relay/config';

describe('relay limit flags', () => {
  it('defaults: limits on, admin listener off and on loopback when asked for', () => {
    const o = parseRelayArgs([]);
    expect(o).toMatchObject({
      maxConns: 20_000, authTimeoutMs: 10_000, unauthLookups: 32, registerRate: 30, registerRateGlobal: 1200,
      mailboxRate: 20, recipientRate: 100, adminHost: '127.0.0.1', adminPort: undefined,
    });
    expect(o).toEqual({ ...DEFAULTS, adminPort: undefined, logOrigin: undefined });
  });

  it('parses every limit flag', () => {
    const o = parseRelayArgs([
      '--max-conns', '5', '--auth-timeout', '3', '--unauth-lookups', '0', '--register-rate', '0', '--register-rate-global', '7',
      '--mailbox-rate', '2', '--recipient-rate', '9', '--admin-host', '::1', '--admin-port', '0',
    ]);
    expect(o).toMatchObject({
      maxConns: 5, authTimeoutMs: 3000, unauthLookups: 0, registerRate: 0, registerRateGlobal: 7,
      mailboxRate: 2, recipientRate: 9, adminHost: '::1', adminPort: 0,
    });
  });

  it.each([
    [['--max-conns', '0'], '--max-conns must be an integer >= 1'],
    [['--auth-timeout', '0'], '--auth-timeout must be an integer >= 1'],
    [['--unauth-lookups=-1'], '--unauth-lookups must be an integer >= 0'],
    [['--register-rate', '1.5'], '--register-rate must be an integer >= 0'],
    [['--mailbox-rate', 'fast'], '--mailbox-rate must be an integer >= 0'],
    [['--admin-port', 'x'], '--admin-port must be an integer >= 0'],
  ])('refuses %j with one clear message', (args, message) => {
    expect(() => parseRelayArgs(args)).toThrow(message);
  });
});

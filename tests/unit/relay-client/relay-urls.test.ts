import { describe, expect, it } from 'vitest';
import { relayHosts, relayListOrigin, splitRelayUrls } from '../../../lib/relay-client/relay-urls';

describe('relay URL lists', () => {
  it('splits on commas and any white space, in order, dropping empty entries', () => {
    expect(splitRelayUrls(' wss://a.example/x,wss://b.example\n\tws://127.0.0.1:1 ,, ')).toEqual(['wss://a.example/x', 'wss://b.example', 'ws://127.0.0.1:1']);
    expect(splitRelayUrls('wss://only.example')).toEqual(['wss://only.example']);
    expect(splitRelayUrls(' , ')).toEqual([]);
  });

  it("names the relay by its first URL's origin, so one cluster's nodes share what is kept about it", () => {
    expect(relayListOrigin('WSS://Node1.Example:443/c2c, wss://node2.example')).toBe('wss://node1.example');
    expect(relayListOrigin('wss://node1.example')).toBe(relayListOrigin('wss://node1.example, wss://node2.example'));
    expect(() => relayListOrigin('https://node1.example, wss://node2.example')).toThrow(/ws:\/\/ or wss:\/\//);
    expect(() => relayListOrigin('')).toThrow();
  });

  it('lists each host once, lower case, IPv6 without brackets', () => {
    expect(relayHosts('wss://A.example, wss://[::1]:8443, wss://a.example/other')).toEqual(['a.example', '::1']);
  });
});

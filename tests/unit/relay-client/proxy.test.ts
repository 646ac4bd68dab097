// The proxy address form (socks5h://HOST:PORT, shared by the CLI and the extension) and the SOCKS5 CONNECT
// request the CLI sends (RFC 1928 section 4: VER CMD RSV ATYP DST.ADDR DST.PORT).
import { describe, expect, it } from 'vitest';
import { connectRequest } from '../../../cli/socks5';
import { ProxyUrlError, formatProxyUrl, parseProxyUrl } from '../../../lib/relay-client/proxy-url';

describe('parseProxyUrl', () => {
  it('accepts socks5h://HOST:PORT with a name, IPv4 or bracketed IPv6, in canonical form', () => {
    expect(parseProxyUrl('socks5h://127.0.0.1:9050')).toEqual({ host: '127.0.0.1', port: 9050 });
    expect(parseProxyUrl(' SOCKS5H://Tor.Example:9150/ ')).toEqual({ host: 'tor.example', port: 9150 });
    expect(parseProxyUrl('socks5h://[::1]:9050')).toEqual({ host: '::1', port: 9050 });
    expect(formatProxyUrl(parseProxyUrl('socks5h://[::1]:9050'))).toBe('socks5h://[::1]:9050');
    expect(formatProxyUrl(parseProxyUrl('SOCKS5H://Tor.Example:9150'))).toBe('socks5h://tor.example:9150');
  });

  it.each([
    ['socks5://127.0.0.1:9050', /use socks5h:/],
    ['socks4a://127.0.0.1:9050', /use socks5h:/],
    ['http://127.0.0.1:8080', /must look like socks5h/],
    ['127.0.0.1:9050', /must look like socks5h/],
    ['socks5h://127.0.0.1', /must look like socks5h/],
    ['socks5h://:9050', /must look like socks5h|host must be/],
    ['socks5h://u:p@127.0.0.1:9050', /user name or password/],
    ['socks5h://127.0.0.1:9050/x', /nothing after the port/],
    ['socks5h://127.0.0.1:9050?x=1', /nothing after the port/],
    ['socks5h://127.0.0.1:0', /port must be from 1 to 65535/],
    ['socks5h://127.0.0.1:65536', /port must be from 1 to 65535/],
    ['socks5h://[zz]:9050', /host must be a host name or an IP address/],
    ['socks5h://a b:9050', /must look like socks5h|host must be/],
    ['socks5h://-bad.example:9050', /host must be a host name or an IP address/],
    ['', /must look like socks5h/],
    [`socks5h://${'a'.repeat(300)}:1`, /must look like socks5h/],
  ])('refuses %s', (text, message) => {
    expect(() => parseProxyUrl(text)).toThrow(ProxyUrlError);
    expect(() => parseProxyUrl(text)).toThrow(message);
  });
});

describe('connectRequest', () => {
  it('names a host by name (address type 3), never as an address looked up here', () => {
    const req = connectRequest('abc.onion', 80);
    expect([...req]).toEqual([5, 1, 0, 3, 9, ...Buffer.from('abc.onion'), 0, 80]);
  });

  it('sends IP literals as addresses (types 1 and 4) with the port in network order', () => {
    expect([...connectRequest('127.0.0.1', 8787)]).toEqual([5, 1, 0, 1, 127, 0, 0, 1, 0x22, 0x53]);
    const v6 = connectRequest('2001:db8::1', 443);
    expect([...v6.subarray(0, 4)]).toEqual([5, 1, 0, 4]);
    expect(Buffer.from(v6.subarray(4, 20)).toString('hex')).toBe('20010db8000000000000000000000001');
    expect([...v6.subarray(20)]).toEqual([1, 0xbb]);
  });

  it('refuses a name longer than SOCKS5 can carry', () => {
    expect(() => connectRequest(`${'a'.repeat(250)}.example`, 80)).toThrow(/too long for SOCKS5/);
  });
});

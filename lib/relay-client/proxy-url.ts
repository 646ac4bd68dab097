// The one proxy form we accept for the relay connection: `socks5h://HOST:PORT`, a SOCKS5 proxy (such as
// Tor's) that resolves host names itself. Shared by the CLI's --proxy and the extension's proxy setting.

export interface ProxyAddress {
  /** Host name or IP literal (IPv6 without brackets), lower case. */
  host: string;
  port: number;
}

export class ProxyUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyUrlError';
  }
}

const MAX_LENGTH = 300;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/;
const IPV6 = /^[0-9a-f:.]{2,45}$/;

export function parseProxyUrl(text: string): ProxyAddress {
  const value = text.trim();
  if (value.length === 0 || value.length > MAX_LENGTH) throw new ProxyUrlError('the proxy must look like socks5h://HOST:PORT');
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(value)?.[1]?.toLowerCase();
  // socks5:// means "resolve names locally" in curl and others: that would tell the network which relay we use.
  if (scheme === 'socks5' || scheme === 'socks4' || scheme === 'socks4a' || scheme === 'socks') {
    throw new ProxyUrlError('use socks5h://HOST:PORT (the proxy must resolve host names, so none is looked up locally)');
  }
  if (scheme !== 'socks5h') throw new ProxyUrlError('the proxy must look like socks5h://HOST:PORT (a SOCKS5 proxy such as Tor)');
  const m = /^socks5h:\/\/(\[[^\]]*\]|[^:/@[\]]*):(\d{1,5})\/?$/i.exec(value);
  if (!m) {
    if (value.includes('@')) throw new ProxyUrlError('the proxy address must not contain a user name or password');
    throw new ProxyUrlError('the proxy must look like socks5h://HOST:PORT, with nothing after the port');
  }
  const rawHost = m[1]!.toLowerCase();
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new ProxyUrlError('the proxy port must be from 1 to 65535');
  const bracketed = rawHost.startsWith('[');
  const host = bracketed ? rawHost.slice(1, -1) : rawHost;
  if (bracketed ? !IPV6.test(host) || !host.includes(':') : !HOST_NAME.test(host)) {
    throw new ProxyUrlError('the proxy host must be a host name or an IP address');
  }
  return { host, port };
}

/** The canonical text of a valid proxy address (what is stored and shown). */
export function formatProxyUrl(p: ProxyAddress): string {
  return `socks5h://${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;
}

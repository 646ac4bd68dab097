// The --proxy option of every command that talks to a relay (socks5h://HOST:PORT, e.g. Tor). Apart from
// the relay commands so that a command loads the relay client (and ws) only when it connects.
import type { Command } from 'commander';
import { ProxyUrlError, parseProxyUrl, type ProxyAddress } from '../lib/relay-client/proxy-url';
import { CliError, EXIT } from './io';

/** What every relay command's options hold: where the relay is and, with --proxy, how to reach it. */
export interface RelayOptions {
  relay: string;
  proxy?: string;
}

/** Adds --proxy to a command that talks to a relay. */
export function withProxyOption(command: Command): Command {
  return command.option('--proxy <url>', 'reach the relay only through this SOCKS5 proxy (e.g. Tor): socks5h://HOST:PORT; the proxy resolves host names');
}

/** The proxy from --proxy, checked before anything else happens. */
export function proxyOption(text: string | undefined): ProxyAddress | undefined {
  if (text === undefined) return undefined;
  try {
    return parseProxyUrl(text);
  } catch (e) {
    throw new CliError(`--proxy: ${e instanceof ProxyUrlError ? e.message : 'not a proxy address'}`, EXIT.usage);
  }
}

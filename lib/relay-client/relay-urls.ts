// A relay address setting or `--relay` value: one URL, or several separated by commas or white space (the
// nodes of one relay cluster, or one relay under several names), which clients try in turn. The list names
// one relay: its first URL's origin keys what is kept about that relay (e.g. its key log's state).
import { relayOrigin } from '../protocol/relay';

/** The URLs of a list, in order, without empty entries. */
export function splitRelayUrls(text: string): string[] {
  return text.split(/[\s,]+/).filter((u) => u !== '');
}

/** The host names of a list's URLs, lower case, IPv6 without brackets, each once (throws on a bad URL). */
export function relayHosts(text: string): string[] {
  return [...new Set(splitRelayUrls(text).map((url) => new URL(url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')))];
}

/** The origin standing for the relay a list names: its first URL's (relayOrigin; throws on a bad URL). */
export function relayListOrigin(text: string): string {
  return relayOrigin(splitRelayUrls(text)[0] ?? text);
}

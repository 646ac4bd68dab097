// A WebRTC data-channel description cut to what the other browser needs (docs/FORMATS.md, "Peer-to-peer
// description"): ICE credentials, the DTLS certificate fingerprint, the DTLS role, the media id and the UDP
// candidates. Everything else in a browser's SDP is the same for every data channel, so the other side
// rebuilds a full SDP from these fields. No browser globals: the relay-free tokens are tested in Node.
import { concat, fromHex, toHex } from '../bytes';
import { C2CError } from '../errors';

export const DTLS_FINGERPRINT_LENGTH = 32; // SHA-256
/** Candidates kept per description: the token must fit one host message. */
export const MAX_CANDIDATES = 8;
const MAX_TOKEN_TEXT = 64;

/** actpass: the offer (either role); active / passive: the answer's choice. */
export type DtlsSetup = 'actpass' | 'active' | 'passive';
const SETUPS: DtlsSetup[] = ['actpass', 'active', 'passive'];
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
const TYPES: CandidateType[] = ['host', 'srflx', 'prflx', 'relay'];
/** RFC 8445 type preferences, to rebuild priorities (the exact values do not need to travel). */
const TYPE_PREFERENCE: Record<CandidateType, number> = { host: 126, prflx: 110, srflx: 100, relay: 0 };

export interface P2PCandidate {
  /** IPv4 or IPv6 text, or an mDNS name `<uuid>.local` (browsers hide host addresses behind these). */
  address: string;
  port: number;
  type: CandidateType;
}

export interface P2PDescription {
  mid: string;
  iceUfrag: string;
  icePwd: string;
  fingerprint: Uint8Array;
  setup: DtlsSetup;
  candidates: P2PCandidate[];
}

const ICE_CHARS = /^[A-Za-z0-9+/]+$/; // RFC 8839 ice-char
const MID_CHARS = /^[A-Za-z0-9_-]+$/;
const MDNS = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\.local$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function attribute(sdp: string[], name: string): string | undefined {
  const line = sdp.find((l) => l.startsWith(`a=${name}:`));
  return line?.slice(name.length + 3).trim();
}

/** The fields of a browser's local data-channel SDP. Throws 'unsupported' for what we cannot carry. */
export function minimizeSdp(sdp: string): P2PDescription {
  const lines = sdp.split(/\r?\n/).map((l) => l.trim());
  const iceUfrag = attribute(lines, 'ice-ufrag');
  const icePwd = attribute(lines, 'ice-pwd');
  const mid = attribute(lines, 'mid');
  const setup = attribute(lines, 'setup');
  const fp = attribute(lines, 'fingerprint');
  if (!iceUfrag || !icePwd || !mid || !setup || !fp) throw new C2CError('unsupported', 'The browser’s connection description lacks a required field.');
  const [hash, hex] = fp.split(/\s+/);
  if (hash?.toLowerCase() !== 'sha-256' || !hex) throw new C2CError('unsupported', 'The browser’s DTLS fingerprint is not SHA-256.');
  const candidates: P2PCandidate[] = [];
  for (const line of lines) {
    if (!line.startsWith('a=candidate:') || candidates.length >= MAX_CANDIDATES) continue;
    const candidate = parseCandidate(line.slice('a=candidate:'.length));
    if (candidate) candidates.push(candidate);
  }
  const description: P2PDescription = { mid, iceUfrag, icePwd, fingerprint: fromHex(hex.replaceAll(':', '')), setup: setup as DtlsSetup, candidates };
  checkDescription(description);
  return description;
}

/** One UDP candidate of component 1 we can carry, or undefined (TCP, RTCP, unknown shapes are left out). */
export function parseCandidate(text: string): P2PCandidate | undefined {
  const [, component, protocol, , address, port, typ, type] = text.trim().split(/\s+/);
  if (component !== '1' || protocol?.toLowerCase() !== 'udp' || typ !== 'typ' || !address || !TYPES.includes(type as CandidateType)) return undefined;
  const portNumber = Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) return undefined;
  if (!IPV4.test(address) && !MDNS.test(address) && !address.includes(':')) return undefined;
  try {
    // One spelling per address (IPv6 written out in full): what travels is what was described.
    const { kind, bytes } = encodeAddress(address);
    return { address: decodeAddress(kind, bytes), port: portNumber, type: type as CandidateType };
  } catch {
    return undefined;
  }
}

/** A full SDP for setRemoteDescription from a description the peer sent. */
export function rebuildSdp(d: P2PDescription): string {
  checkDescription(d);
  const candidates = d.candidates.map((c, i) => {
    const priority = TYPE_PREFERENCE[c.type] * 2 ** 24 + (65535 - i) * 2 ** 8 + 255;
    const related = c.type === 'host' ? '' : ' raddr 0.0.0.0 rport 0';
    return `a=candidate:${i} 1 udp ${priority} ${c.address} ${c.port} typ ${c.type}${related}`;
  });
  return [
    'v=0',
    'o=- 0 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE ${d.mid}`,
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    ...candidates,
    'a=end-of-candidates',
    `a=ice-ufrag:${d.iceUfrag}`,
    `a=ice-pwd:${d.icePwd}`,
    `a=fingerprint:sha-256 ${fingerprintText(d.fingerprint)}`,
    `a=setup:${d.setup}`,
    `a=mid:${d.mid}`,
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n');
}

/** `AB:CD:…`, as SDP writes a fingerprint. */
export function fingerprintText(fingerprint: Uint8Array): string {
  return (toHex(fingerprint).toUpperCase().match(/../g) ?? []).join(':');
}

/** Throws 'malformed' / 'too-large' for a description that breaks the field rules (no SDP can be injected). */
export function checkDescription(d: P2PDescription): void {
  const text = (s: string, pattern: RegExp, min: number) => s.length >= min && s.length <= MAX_TOKEN_TEXT && pattern.test(s);
  // RFC 8839: ufrag at least 4 characters, pwd at least 22.
  if (!text(d.iceUfrag, ICE_CHARS, 4) || !text(d.icePwd, ICE_CHARS, 22)) throw new C2CError('malformed', 'The ICE credentials are not valid.');
  if (!text(d.mid, MID_CHARS, 1)) throw new C2CError('malformed', 'The media id is not valid.');
  if (!SETUPS.includes(d.setup)) throw new C2CError('malformed', 'The DTLS role is not valid.');
  if (d.fingerprint.length !== DTLS_FINGERPRINT_LENGTH) throw new C2CError('malformed', 'The DTLS fingerprint is not a SHA-256 digest.');
  if (d.candidates.length > MAX_CANDIDATES) throw new C2CError('too-large', `At most ${MAX_CANDIDATES} candidates are carried.`);
}

// ---- bytes ----
// Candidate: flags (bits 0–1 address kind: 0 IPv4, 1 IPv6, 2 mDNS name; bits 2–3 type) ‖ address (4, 16
// or 16: the name's UUID) ‖ port u16.

function encodeAddress(address: string): { kind: number; bytes: Uint8Array } {
  const v4 = IPV4.exec(address);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) throw new C2CError('malformed', 'bad IPv4 address');
    return { kind: 0, bytes: Uint8Array.from(octets) };
  }
  const mdns = MDNS.exec(address);
  if (mdns) return { kind: 2, bytes: fromHex(mdns.slice(1).join('')) };
  return { kind: 1, bytes: ipv6Bytes(address) };
}

function ipv6Bytes(address: string): Uint8Array {
  const halves = address.split('::');
  if (halves.length > 2) throw new C2CError('malformed', 'bad IPv6 address');
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) throw new C2CError('malformed', 'bad IPv6 address');
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new C2CError('malformed', 'bad IPv6 address');
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

function decodeAddress(kind: number, bytes: Uint8Array): string {
  if (kind === 0) return Array.from(bytes).join('.');
  const hex = toHex(bytes);
  if (kind === 2) return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}.local`;
  return (hex.match(/.{4}/g) ?? []).map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

const ADDRESS_LENGTH = [4, 16, 16];

export function encodeCandidates(candidates: P2PCandidate[]): Uint8Array {
  const parts = candidates.map((c) => {
    const { kind, bytes } = encodeAddress(c.address);
    const port = new Uint8Array(2);
    new DataView(port.buffer).setUint16(0, c.port);
    return concat(Uint8Array.of(kind | (TYPES.indexOf(c.type) << 2)), bytes, port);
  });
  return concat(Uint8Array.of(candidates.length), ...parts);
}

/** Candidates from `bytes` at `at`; returns them and the offset after them. Throws 'malformed'. */
export function decodeCandidates(bytes: Uint8Array, at: number): { candidates: P2PCandidate[]; end: number } {
  const count = bytes[at];
  if (count === undefined || count > MAX_CANDIDATES) throw new C2CError('malformed', 'The connection description has a bad candidate count.');
  let i = at + 1;
  const candidates: P2PCandidate[] = [];
  for (let n = 0; n < count; n++) {
    const flags = bytes[i];
    const length = flags === undefined ? undefined : ADDRESS_LENGTH[flags & 0x03];
    if (flags === undefined || length === undefined || flags >> 4 !== 0 || i + 1 + length + 2 > bytes.length) {
      throw new C2CError('malformed', 'A candidate in the connection description is malformed.');
    }
    const address = decodeAddress(flags & 0x03, bytes.subarray(i + 1, i + 1 + length));
    const port = (bytes[i + 1 + length]! << 8) | bytes[i + 2 + length]!;
    if (port === 0) throw new C2CError('malformed', 'A candidate in the connection description has port 0.');
    candidates.push({ address, port, type: TYPES[(flags >> 2) & 0x03]! });
    i += 1 + length + 2;
  }
  return { candidates, end: i };
}

export const SETUP_BYTE: Record<DtlsSetup, number> = { actpass: 0, active: 1, passive: 2 };
export function setupOf(byte: number | undefined): DtlsSetup {
  const setup = byte === undefined ? undefined : SETUPS[byte];
  if (!setup) throw new C2CError('malformed', 'The DTLS role in the connection description is unknown.');
  return setup;
}

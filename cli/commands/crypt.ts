// Message commands: encrypt (stdin → armored text) and decrypt (armored text or a raw cryptico string → plaintext).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { buf, equalBytes, fromUtf8, toHex, utf8 } from '../../lib/bytes';
import { C2CError, isC2CError } from '../../lib/errors';
import { FORMAT_ID, formatIdOf } from '../../lib/crypto/format-ids';
import { fingerprint, keyIdBytes, keyIdText } from '../../lib/crypto/identity';
import { type Channel, describeChannel, parseChannel } from '../../lib/crypto/channel';
import { sealMessageV2 } from '../../lib/crypto/message-v2';
import { openTextMessage } from '../../lib/crypto/open-message';
import { armor, dearmor } from '../../lib/armor/armor';
import { decodeLegacyPayload, encodeLegacyPayload, splitCrypticoString } from '../../lib/legacy/legacy-payload';
import { legacyFingerprint } from '../../lib/legacy/legacy-public-key';
import { GOSSIP_EXTENSION } from '../../lib/keylog/gossip';
import { CliError, EXIT, STDIO, examples, readInput, writeJsonLine, writeStderrLine, writeStdout } from '../io';
import { checkHeardGossip, fileStore, gossipFrom } from '../log-state';
import { proxyOption, withProxyOption } from '../proxy-option';
import { type KeyFile, type PublicKey, type Suite, loadKeyFile, loadPublicKey, parseSuite } from '../keyfile';
import { FileReplayCache, seenPathFor } from '../replay-file';
import { type Contacts, contactBundle, contactWithKey, loadContacts } from '../contacts-file';
import { forTerminal } from '../terminal-text';

function asText(bytes: Uint8Array, what: string): string {
  try {
    return fromUtf8(bytes);
  } catch {
    throw new C2CError('malformed', `${what} is not UTF-8 text`);
  }
}

/** cryptico is a large script: loaded only when a legacy message is at hand. */
const loadLegacySuite = () => import('../../lib/legacy/cryptico-suite');

async function writeOutput(path: string, data: string | Uint8Array): Promise<void> {
  if (path === STDIO) await writeStdout(data);
  // Decrypted text is as private as the key that opened it.
  else await writeFile(path, data, { mode: 0o600 });
}

async function encrypt(sender: KeyFile, recipients: PublicKey[], suite: Suite, plaintext: Uint8Array, raw: boolean, channel: Channel | undefined, gossip: Uint8Array | undefined) {
  const suites = new Set(recipients.map((r) => r.suite));
  if (suites.size > 1) throw new C2CError('unsupported', 'one message cannot mix modern and cryptico recipients');
  if (suite === 'modern') {
    if (suites.has('cryptico')) {
      throw new C2CError('unsupported', 'the recipient has a legacy cryptico key: pass --suite cryptico to use the legacy suite (no forward secrecy, weak authentication)');
    }
    if (raw) throw new CliError('--raw applies to --suite cryptico only', EXIT.usage);
    if (sender.suite !== 'modern') throw new C2CError('unsupported', 'the --from key file is a cryptico key; the modern suite needs a modern key');
    const sealed = await sealMessageV2({
      identity: sender.identity,
      recipients: recipients.flatMap((r) => (r.suite === 'modern' ? [r.bundle] : [])),
      plaintext,
      // The full key lets `decrypt` without --from name the sender by fingerprint (24 bytes more).
      senderKey: 'full',
      ...(channel ? { channel } : {}),
      ...(gossip ? { extensions: [{ type: GOSSIP_EXTENSION, value: gossip }] } : {}),
    });
    return `${armor(sealed).join('\n')}\n`;
  }
  if (suites.has('modern')) throw new C2CError('unsupported', '--suite cryptico needs cryptico public keys');
  if (channel) throw new CliError('--channel applies to the modern suite only', EXIT.usage);
  if (recipients.length !== 1) throw new C2CError('unsupported', 'the cryptico suite encrypts to exactly one recipient');
  if (sender.suite !== 'cryptico') throw new C2CError('unsupported', 'the --from key file is a modern key; --suite cryptico signs with a cryptico key');
  const recipient = recipients[0]!;
  if (recipient.suite !== 'cryptico') throw new C2CError('unsupported', '--suite cryptico needs cryptico public keys');
  const { legacyEncrypt } = await loadLegacySuite();
  const cipher = legacyEncrypt(asText(plaintext, 'the message'), recipient.publicKey, sender.key);
  return raw ? `${cipher}\n` : `${armor(encodeLegacyPayload(cipher)).join('\n')}\n`;
}

const REPLAYED = 'this message was already opened with this key file (replay protection)';

/** What decrypt reports on stderr besides the plaintext. */
interface Opened {
  plaintext: Uint8Array;
  lines: string[];
  /** The key-log checkpoint the sender gossiped, when the sender is one we know (--from or --contacts). */
  gossip?: Uint8Array;
  /** The message came from a key we know: only then is its gossip read. */
  knownSender?: boolean;
}

async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', buf(utf8(text)))));
}

async function openModern(
  payload: Uint8Array,
  key: KeyFile,
  expected: PublicKey | undefined,
  cache: FileReplayCache,
  channel: Channel | undefined,
  contacts: Contacts | undefined,
): Promise<Opened> {
  if (key.suite !== 'modern') throw new C2CError('not-addressed', 'this is a modern message; the key file holds a cryptico key');
  if (expected !== undefined && expected.suite !== 'modern') {
    throw new C2CError('key-mismatch', 'the message is from a modern key; --from names a cryptico key');
  }
  // A message that names its sender by key id is checked against the --from key, our own, or a pinned contact's.
  const pinned = contacts === undefined ? [] : [...contacts.values()].map((c) => c.bundle.identityKey);
  const known = [key.identity.publicKey, ...(expected === undefined ? [] : [expected.bundle.identityKey]), ...pinned];
  const resolveSender = async (keyId: Uint8Array) => {
    for (const k of known) if (equalBytes(await keyIdBytes(k), keyId)) return k;
    return undefined;
  };
  let opened;
  try {
    opened = await openTextMessage(payload, { identity: key.identity, prekeys: key.prekeys }, { replayCache: cache, resolveSender, ...(channel ? { channel } : {}) });
  } catch (e) {
    // The library's wording is about re-rendered pages; the CLI refuses every second open.
    if (isC2CError(e, 'replayed')) throw new C2CError('replayed', REPLAYED);
    throw e;
  }
  const senderKey = opened.sender.identityKey;
  const sender = senderKey === undefined ? `${keyIdText(opened.sender.keyId)} (key id only; --from checks it)` : await fingerprint(senderKey);
  if (expected !== undefined && (senderKey === undefined || !equalBytes(senderKey, expected.bundle.identityKey))) {
    throw new C2CError('key-mismatch', `the message was sent by ${sender}, not by the --from key`);
  }
  // Without --from, a sender pinned in --contacts is named, as `pinned` (trusted on first use, like the extension).
  const contact = expected === undefined && senderKey !== undefined && contacts !== undefined ? contactWithKey(contacts, senderKey) : undefined;
  const gossip = opened.extensions.find((e) => e.type === GOSSIP_EXTENSION)?.value;
  return {
    plaintext: opened.plaintext,
    ...(gossip ? { gossip } : {}),
    knownSender: opened.signature === 'checked' && (expected !== undefined || contact !== undefined),
    lines: [
      `sender: ${sender}`,
      `status: ${expected !== undefined ? 'verified' : contact !== undefined ? 'pinned' : 'unverified'}`,
      ...(contact === undefined ? [] : [`contact: ${contact}`]),
      // Only hashes travel: the reader checks a name against them with --channel.
      `channel: ${opened.channel ? `${describeChannel(opened.channel)}${channel ? ' (matches --channel)' : ''}` : 'none'}`,
    ],
  };
}

async function openLegacy(cipher: string, key: KeyFile, expected: PublicKey | undefined, cache: FileReplayCache): Promise<Opened> {
  if (key.suite !== 'cryptico') throw new C2CError('not-addressed', 'this is a cryptico message; the key file holds a modern key');
  if (expected !== undefined && expected.suite !== 'cryptico') {
    throw new C2CError('key-mismatch', 'the message is a cryptico message; --from names a modern key');
  }
  const { isAuthenticLegacy, legacyDecrypt } = await loadLegacySuite();
  const opened = legacyDecrypt(cipher, key.key, expected?.publicKey);
  // Unauthenticated CBC: a broken signature means altered or misattributed text, which is not shown.
  if (opened.signature === 'forged') throw new C2CError('bad-signature', 'the legacy signature does not verify: the message was altered or forged');
  if (expected !== undefined && !isAuthenticLegacy(opened, expected.publicKey)) {
    throw new C2CError('key-mismatch', opened.signer === undefined ? 'the legacy message is unsigned, so it cannot be from the --from key' : 'the legacy message is signed by another key than --from');
  }
  // cryptico has no message id: the ciphertext's hash stands in for one.
  if ((await cache.check({ sender: 'cryptico', messageId: await sha256Hex(cipher), digest: '', context: '' })) !== 'fresh') {
    throw new C2CError('replayed', REPLAYED);
  }
  return {
    plaintext: utf8(opened.plaintext),
    lines: [
      `sender: ${opened.signer === undefined ? 'unknown (unsigned)' : await legacyFingerprint(opened.signer)}`,
      'status: legacy',
      `signature: ${opened.signature}${expected === undefined ? '' : ' (matches --from)'}`,
    ],
  };
}

/** The report lines ("sender: …") as JSON fields. */
function reportObject(lines: string[]): Record<string, string> {
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
}

function plaintextField(plaintext: Uint8Array): { text: string } | { base64: string } {
  try {
    return { text: fromUtf8(plaintext) };
  } catch {
    return { base64: Buffer.from(plaintext).toString('base64') };
  }
}

/** With --state and --relay: where decrypt checks the gossip of a known sender. */
interface LogCheck {
  state: string;
  relay: string;
  proxy: string | undefined;
}

/**
 * The `gossip:` report line: a known sender's checkpoint checked against FILE through the relay (a fork
 * is the alarm, exit 3), or why it was not.
 */
async function checkGossipLine(opened: Opened, log: LogCheck): Promise<string> {
  if (!opened.gossip) return 'gossip: none';
  if (!opened.knownSender) return 'gossip: ignored (the sender is not --from or a pinned contact)';
  const { relayClient, relayErrors } = await import('./relay');
  const client = relayClient(log.relay, proxyOption(log.proxy));
  try {
    return `gossip: ${await relayErrors(() => checkHeardGossip(client, fileStore(log.state), opened.gossip!))}`;
  } finally {
    client.close();
  }
}

async function decrypt(input: Uint8Array, keyPath: string, from: string | undefined, channel: Channel | undefined, contactsPath: string | undefined, log: LogCheck | undefined): Promise<Opened> {
  const [key, expected, contacts] = await Promise.all([
    loadKeyFile(keyPath),
    from === undefined ? undefined : loadPublicKey(from),
    contactsPath === undefined ? undefined : loadContacts(contactsPath),
  ]);
  const cache = await FileReplayCache.open(seenPathFor(keyPath));
  const text = asText(input, 'the input');
  const compact = text.replace(/\s+/g, '');
  let opened: Opened;
  if (splitCrypticoString(compact)) {
    opened = await openLegacy(compact, key, expected, cache);
  } else {
    const payload = dearmor(text);
    switch (formatIdOf(payload)) {
      case FORMAT_ID.modernMessageV1:
      case FORMAT_ID.modernMessageV2:
        opened = await openModern(payload, key, expected, cache, channel, contacts);
        break;
      case FORMAT_ID.legacyCryptico:
        opened = await openLegacy(decodeLegacyPayload(payload), key, expected, cache);
        break;
      case FORMAT_ID.contactCardV1:
        throw new C2CError('unsupported', 'this is a contact card, not a message: pin it with c2c pin-card');
      default:
        throw new C2CError(payload.length === 0 ? 'truncated' : 'unknown-version', 'the message uses a format this version does not know');
    }
  }
  if (log) opened.lines.push(await checkGossipLine(opened, log));
  // Only a message that passed every check is remembered, so a refused one can still be opened properly.
  await cache.commit();
  return opened;
}

export function registerCryptCommands(program: Command): void {
  program
    .command('encrypt')
    .description('encrypt stdin to one or more public keys and print armored text')
    .requiredOption('--from <file>', 'your key file (signs / authenticates the message)')
    .requiredOption('--to <key>', 'recipient public key line, key file, or with --contacts a pinned handle (repeat for several)', (v: string, all: string[] = []) => [...all, v])
    .option('--contacts <file>', 'a contacts file (c2c pin-card): a --to that is not a key line or key file is a handle pinned there')
    .option('--suite <suite>', 'cryptico for the legacy CRYPT2CHAT suite (never chosen automatically)', 'modern')
    .option('--raw', 'with --suite cryptico: print the stock cryptico string instead of armor')
    .option('--channel <channel>', 'bind the message to where it is sent: mailbox:HANDLE, site:ORIGIN or site:ORIGIN#CONVERSATION')
    .option('--state <file>', "carry the key-log checkpoint kept in this state file (c2c lookup --state) as gossip")
    .option('--in <file>', 'read the message from a file instead of stdin', STDIO)
    .option('--out <file>', 'write the armored text to a file instead of stdout', STDIO)
    .addHelpText('after', examples('echo hello | c2c encrypt --from alice.key --to "$(cat bob.pub)" > msg.txt', 'echo hello | c2c encrypt --from alice.key --contacts contacts.json --to bob'))
    .action(async (opts: { from: string; to: string[]; contacts?: string; suite: string; raw?: boolean; channel?: string; state?: string; in: string; out: string }) => {
      const suite = parseSuite(opts.suite);
      if (opts.to.includes(STDIO)) throw new CliError('--to - is not possible: stdin carries the message', EXIT.usage);
      // Before the state file is read: a cryptico message has nowhere to carry its checkpoint.
      if (opts.state !== undefined && suite !== 'modern') throw new CliError('--state applies to the modern suite only', EXIT.usage);
      const contactsPath = opts.contacts;
      const contacts = contactsPath === undefined ? undefined : await loadContacts(contactsPath);
      const recipientKey = (to: string): Promise<PublicKey> =>
        contacts !== undefined && contactsPath !== undefined && !to.trim().startsWith('c2cpub') && !existsSync(to.trim())
          ? Promise.resolve({ suite: 'modern', bundle: contactBundle(contacts, to, contactsPath) })
          : loadPublicKey(to);
      const [sender, recipients] = await Promise.all([loadKeyFile(opts.from), Promise.all(opts.to.map(recipientKey))]);
      const plaintext = await readInput(opts.in);
      const channel = opts.channel === undefined ? undefined : parseChannel(opts.channel);
      const gossip = opts.state === undefined ? undefined : await gossipFrom(opts.state);
      await writeOutput(opts.out, await encrypt(sender, recipients, suite, plaintext, opts.raw === true, channel, gossip));
    });

  withProxyOption(program.command('decrypt'))
    .description('decrypt armored text (or a raw cryptico string) from stdin; sender and status go to stderr')
    .requiredOption('--key <file>', 'your key file; opened message ids are remembered in FILE.seen')
    .option('--from <key>', 'the public key the message must come from')
    .option('--channel <channel>', 'where the message is read: one sealed for another channel is refused (wrong-channel)')
    .option('--contacts <file>', 'a contacts file (c2c pin-card): a sender pinned there is named, with status pinned')
    .option('--in <file>', 'read the message from a file instead of stdin', STDIO)
    .option('--out <file>', 'write the plaintext to a file instead of stdout', STDIO)
    .option('--json', 'print the report and the plaintext (text, or base64 when not UTF-8) as one JSON line')
    .option('--state <file>', "with --relay: check a known sender's key-log gossip against this state file and update it")
    .option('--relay <url>', 'with --state: the relay whose key log the state file follows')
    .addHelpText('after', examples('c2c decrypt --key bob.key --from alice.pub < msg.txt', 'c2c decrypt --key bob.key --json < msg.txt', 'c2c decrypt --key bob.key --from alice.pub --state relay.state --relay ws://127.0.0.1:8787 < msg.txt'))
    .action(async (opts: { key: string; from?: string; channel?: string; contacts?: string; in: string; out: string; json?: boolean; state?: string; relay?: string; proxy?: string }) => {
      if (opts.key === STDIO) throw new CliError('--key - is not possible: the key file must be a file (its .seen file sits next to it)', EXIT.usage);
      if ((opts.state === undefined) !== (opts.relay === undefined)) throw new CliError('--state and --relay go together', EXIT.usage);
      if (opts.proxy !== undefined && opts.relay === undefined) throw new CliError('--proxy goes with --relay', EXIT.usage);
      proxyOption(opts.proxy);
      const log = opts.state !== undefined && opts.relay !== undefined ? { state: opts.state, relay: opts.relay, proxy: opts.proxy } : undefined;
      const input = await readInput(opts.in);
      const opened = await decrypt(input, opts.key, opts.from, opts.channel === undefined ? undefined : parseChannel(opts.channel), opts.contacts, log);
      if (opts.json) {
        // With --out FILE the plaintext goes there and the line carries the report only.
        if (opts.out !== STDIO) await writeOutput(opts.out, opened.plaintext);
        await writeJsonLine({ ...reportObject(opened.lines), ...(opts.out === STDIO ? plaintextField(opened.plaintext) : {}) });
        return;
      }
      for (const line of opened.lines) writeStderrLine(line);
      // On a terminal the sender's control characters are shown, not obeyed; files and pipes get the exact bytes.
      const toTerminal = opts.out === STDIO && process.stdout.isTTY === true;
      await writeOutput(opts.out, toTerminal ? forTerminal(opened.plaintext) : opened.plaintext);
    });
}

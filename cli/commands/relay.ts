// Relay commands: register, lookup, send, listen (over the wire protocol, lib/relay-client) and
// relay-admin revoke (an operation on the relay's data folder). Every command that talks to a relay takes
// --proxy (../proxy-option.ts; relayClient is also used by rotate, log and encrypt-file).
import type { Command } from 'commander';
import WebSocket from 'ws';
import { equalBytes, fromUtf8 } from '../../lib/bytes';
import { C2CError } from '../../lib/errors';
import { fingerprint, keyIdBytes } from '../../lib/crypto/identity';
import { sealMessageV2 } from '../../lib/crypto/message-v2';
import { openTextMessage } from '../../lib/crypto/open-message';
import { decodePublicBundle, encodePublicBundle, type PublicBundle } from '../../lib/crypto/public-bundle';
import { normalizeHandle, relayOrigin } from '../../lib/protocol/relay';
import { splitRelayUrls } from '../../lib/relay-client/relay-urls';
import { RelayClient, RelayError, type WebSocketConstructor } from '../../lib/relay-client/client';
import type { ProxyAddress } from '../../lib/relay-client/proxy-url';
import { GOSSIP_EXTENSION, gossipOfState } from '../../lib/keylog/gossip';
import { CliError, EXIT, examples, readStdin, writeJsonLine, writeStdout } from '../io';
import { proxyOption, withProxyOption, type RelayOptions } from '../proxy-option';
import { escapeControls } from '../terminal-text';
import { type ModernKeyFile, loadKeyFile, publicKeyOf } from '../keyfile';
import { FileReplayCache, seenPathFor } from '../replay-file';
import { checkHeardGossip, checkOwnLog, fileStore, memoryStore, verifiedLookup } from '../log-state';
import { contactWithKey, loadContacts } from '../contacts-file';
import { proxiedWebSocket } from '../socks5';

const RELAY_WORDS: Partial<Record<string, string>> = {
  'not-found': 'no such handle on the relay',
  'handle-taken': 'that handle belongs to another key on this relay',
  'identity-registered': 'this key is already registered under another handle',
  'not-registered': 'this key is not registered on the relay (run c2c register first)',
  revoked: 'revoked on the relay',
  'invalid-bundle': 'the relay refused the public key',
  'bad-signature': 'signature does not verify',
};

/** Turns relay failures into one plain line; everything else goes to the CLI's error printer. */
export async function relayErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof RelayError) {
      if (e.code === 'proxy') throw new CliError(e.message);
      const words = RELAY_WORDS[e.code];
      throw new CliError(words ? `${words} (${e.code}): ${e.message}` : `relay: ${e.message} (${e.code})`);
    }
    throw e;
  }
}

function handleArg(name: string): string {
  const h = normalizeHandle(name);
  if (!h) throw new CliError(`"${name.slice(0, 40)}" is not a valid handle (3-32 characters of a-z 0-9 . _ -)`);
  return h;
}

async function modernKey(path: string): Promise<ModernKeyFile> {
  const key = await loadKeyFile(path);
  if (key.suite !== 'modern') throw new CliError('the relay needs a modern key file (this one is a cryptico key)');
  return key;
}

/**
 * A client for one relay command: direct, or with a proxy only ever through it. `url` may be a
 * comma-separated list (the nodes of a relay cluster), tried in turn.
 */
export function relayClient(url: string, proxy: ProxyAddress | undefined, identity?: ModernKeyFile['identity']): RelayClient {
  const ws = proxy ? proxiedWebSocket(proxy) : (WebSocket as unknown as WebSocketConstructor);
  const urls = splitRelayUrls(url);
  for (const u of urls.length > 0 ? urls : [url]) {
    try {
      relayOrigin(u);
    } catch {
      throw new CliError(`"${u.slice(0, 80)}" is not a relay URL (expected ws://… or wss://…)`);
    }
  }
  return new RelayClient({ url: urls, identity, WebSocket: ws, reconnect: false });
}

/** Looks up `handle` and checks the answer: a valid signed bundle, and not one naming someone else. */
async function lookupBundle(client: RelayClient, handle: string): Promise<{ line: string; bundle: PublicBundle }> {
  const found = await client.lookup(handle);
  const bundle = await decodePublicBundle(found.bundle);
  if (found.handle !== handle || (bundle.handle !== undefined && bundle.handle.toLowerCase() !== handle)) {
    throw new C2CError('key-mismatch', 'the relay answered with a key for another handle');
  }
  return { line: found.bundle, bundle };
}

/** The checked bundles of `names` from the relay's directory (for commands outside this group). */
export async function lookupHandles(relay: string, proxy: ProxyAddress | undefined, names: string[]): Promise<PublicBundle[]> {
  const handles = names.map(handleArg);
  const client = relayClient(relay, proxy);
  try {
    return await relayErrors(async () => {
      const found: PublicBundle[] = [];
      for (const handle of handles) found.push((await lookupBundle(client, handle)).bundle);
      return found;
    });
  } finally {
    client.close();
  }
}

/** One line per message: a trailing newline dropped, other control characters escaped (no terminal tricks). */
function printable(text: string): string {
  return escapeControls(text.replace(/\r?\n$/, '').replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r'));
}

async function register(opts: RelayOptions & { key: string; handle: string }): Promise<void> {
  const proxy = proxyOption(opts.proxy);
  const handle = handleArg(opts.handle);
  const key = await modernKey(opts.key);
  const pub = publicKeyOf(key);
  if (pub.suite !== 'modern') throw new CliError('the relay needs a modern key file');
  const line = encodePublicBundle({ ...pub.bundle, handle });
  const client = relayClient(opts.relay, proxy, key.identity);
  try {
    await relayErrors(async () => {
      await client.connect();
      await client.register(handle, line);
    });
  } finally {
    client.close();
  }
  await writeStdout(`registered ${handle}\n${await fingerprint(key.identity.publicKey)}\n`);
}

async function lookup(name: string, opts: RelayOptions & { json?: boolean; state?: string }): Promise<void> {
  const proxy = proxyOption(opts.proxy);
  const handle = handleArg(name);
  const client = relayClient(opts.relay, proxy);
  let found;
  try {
    found = await relayErrors(async () => {
      if (!opts.state) return lookupBundle(client, handle);
      // With --state, the key counts only once the log proves it (docs/CLI.md "Key log").
      const { line } = await verifiedLookup(client, handle, fileStore(opts.state));
      return { line, bundle: await decodePublicBundle(line) };
    });
  } finally {
    client.close();
  }
  const fp = await fingerprint(found.bundle.identityKey);
  if (opts.json) await writeJsonLine({ handle, public: found.line, fingerprint: fp });
  else await writeStdout(`${found.line}\n${fp}\n`);
}

async function send(opts: RelayOptions & { key: string; to: string; state?: string }): Promise<void> {
  const proxy = proxyOption(opts.proxy);
  const to = handleArg(opts.to);
  // The key first: a protected one may ask for its passphrase on the terminal stdin may also be reading.
  const key = await modernKey(opts.key);
  const plaintext = await readStdin();
  const client = relayClient(opts.relay, proxy, key.identity);
  try {
    await relayErrors(async () => {
      await client.connect();
      // With --state the recipient's key counts only once the log proves it, and the message carries
      // the checkpoint that proof left in FILE (gossip).
      const found = opts.state === undefined ? null : await verifiedLookup(client, to, fileStore(opts.state));
      const bundle = found ? await decodePublicBundle(found.line) : (await lookupBundle(client, to)).bundle;
      const extensions = found ? [{ type: GOSSIP_EXTENSION, value: gossipOfState(found.verified.state) }] : [];
      const sealed = await sealMessageV2({ identity: key.identity, recipients: [bundle], plaintext, senderKey: 'full', ...(extensions.length > 0 ? { extensions } : {}) });
      return client.sendToHandle(to, sealed);
    });
  } finally {
    client.close();
  }
  // The relay tells only that it took the message, never whether the recipient is online.
  process.stderr.write(`accepted by the relay for ${to}\n`);
}

/** How often `listen` checks the key log for its own handle again, by default (seconds). */
const LOG_CHECK_SECONDS = 300;
/** Relay failures that only delay a periodic log check: the next one tries again. */
const TRANSIENT: ReadonlySet<string> = new Set(['unreachable', 'closed', 'timeout']);

async function listen(opts: RelayOptions & { key: string; count?: string; timeout?: string; json?: boolean; state?: string; logCheck?: string; contacts?: string }): Promise<void> {
  const proxy = proxyOption(opts.proxy);
  const count = opts.count === undefined ? Infinity : Number(opts.count);
  const timeout = opts.timeout === undefined ? Infinity : Number(opts.timeout);
  const checkEvery = opts.logCheck === undefined ? LOG_CHECK_SECONDS : Number(opts.logCheck);
  if (count !== Infinity && (!Number.isSafeInteger(count) || count < 1)) throw new CliError('--count must be a positive integer');
  if (timeout !== Infinity && !(timeout > 0)) throw new CliError('--timeout must be a positive number of seconds');
  if (!(checkEvery >= 1 && checkEvery <= 2 ** 31 / 1000)) throw new CliError('--log-check must be a number of seconds from 1 to 2147483');
  const store = opts.state ? fileStore(opts.state) : memoryStore();
  const key = await modernKey(opts.key);
  const cache = await FileReplayCache.open(seenPathFor(opts.key));
  const contacts = opts.contacts === undefined ? undefined : await loadContacts(opts.contacts);
  // Lookups of senders go over the same, authenticated connection: the relay closes an unauthenticated
  // one after a few quiet seconds (docs/PROTOCOL.md "Limits").
  const client = relayClient(opts.relay, proxy, key.identity);
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  let checkTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Each periodic check on a connection of its own (the relay closes idle ones); an alarm ends listening.
  const checkAgain = (handle: string, alarm: (e: unknown) => void) => {
    if (stopped) return;
    checkTimer = setTimeout(() => {
      const checker = relayClient(opts.relay, proxy);
      checker
        .connect()
        .then(() => checkOwnLog(checker, handle, key.identity.publicKey, store))
        .then(
          () => checkAgain(handle, alarm),
          (e: unknown) => {
            if (!(e instanceof RelayError && TRANSIENT.has(e.code))) return alarm(e);
            process.stderr.write(`c2c: the key-log check could not reach the relay (${e.code}); trying again in ${checkEvery} s\n`);
            checkAgain(handle, alarm);
          },
        )
        .finally(() => checker.close());
    }, checkEvery * 1000);
  };
  const printMessage = async (from: string, payload: Uint8Array) => {
    // The relay names the sender; believe it only if the directory's key for that handle sealed it.
    let registered: Promise<PublicBundle> | undefined;
    const directoryKey = async () => (await (registered ??= lookupBundle(client, handleArg(from)).then((r) => r.bundle))).identityKey;
    const opened = await openTextMessage(payload, { identity: key.identity, prekeys: key.prekeys }, {
      replayCache: cache,
      resolveSender: async (keyId) => {
        const k = await directoryKey();
        return equalBytes(await keyIdBytes(k), keyId) ? k : undefined;
      },
    });
    const senderKey = opened.sender.identityKey;
    if (senderKey === undefined || !equalBytes(await directoryKey(), senderKey)) {
      throw new C2CError('key-mismatch', `the message is not sealed by the registered key of ${from}`);
    }
    // The checkpoint of a sender pinned in --contacts, checked before the message counts: a fork ends
    // listening (exit 3). Anyone can register a handle, so a stranger's made-up one is not read.
    const gossip = opened.extensions.find((e) => e.type === GOSSIP_EXTENSION)?.value;
    if (gossip && contacts !== undefined && contactWithKey(contacts, senderKey) !== undefined) await checkHeardGossip(client, store, gossip);
    await cache.commit();
    const text = fromUtf8(opened.plaintext);
    // JSON escapes every control character itself: the exact text, on one line.
    if (opts.json) await writeJsonLine({ from, fingerprint: await fingerprint(senderKey), text });
    else await writeStdout(`${from}: ${printable(text)}\n`);
  };
  try {
    await relayErrors(
      () =>
        new Promise<void>((resolve, reject) => {
          if (timeout !== Infinity) {
            const total = count === Infinity ? '' : ` of ${count}`;
            timer = setTimeout(() => reject(new CliError(`timed out after ${timeout} s: received ${received}${total} messages`)), timeout * 1000);
          }
          client.onState((state, e) => {
            if (state === 'closed') reject(e ?? new RelayError('closed', 'the relay closed the connection'));
          });
          // Listen before authenticating: the relay may deliver right after its "ok". One message at a time,
          // so lines come out in arrival order, and none before the key log shows only what this key made.
          let logChecked!: () => void;
          let chain = new Promise<void>((done) => (logChecked = done));
          client.onMessage((m) => {
            if (m.kind !== 'mailbox') return;
            chain = chain.then(async () => {
              if (received >= count) return;
              try {
                await printMessage(m.from, m.payload);
                received++;
                if (received >= count) resolve();
              } catch (e) {
                if (e instanceof CliError && e.exitCode === EXIT.logAlarm) return reject(e);
                // A bad message is reported and skipped; listening goes on.
                const why = e instanceof C2CError || e instanceof RelayError || e instanceof CliError ? e.message : 'could not open it';
                process.stderr.write(`c2c: dropped a message relayed as from ${printable(m.from)}: ${why}\n`);
              }
            });
          });
          client
            .connect()
            .then(async (handle) => {
              if (!handle) return reject(new RelayError('not-registered', 'register this key before listening'));
              await checkOwnLog(client, handle, key.identity.publicKey, store);
              logChecked();
              checkAgain(handle, reject);
            })
            .catch(reject);
        }),
    );
  } finally {
    if (timer) clearTimeout(timer);
    stopped = true;
    clearTimeout(checkTimer);
    client.close();
  }
}

async function revoke(name: string, opts: { data?: string; postgres?: string; logKey?: string }): Promise<void> {
  if ((opts.data === undefined) === (opts.postgres === undefined)) throw new CliError('give either --data DIR or --postgres URL (cluster mode)');
  if (opts.logKey !== undefined && opts.postgres === undefined) throw new CliError('--log-key goes with --postgres');
  // relay-admin works on the relay's store, not over the wire: the one sanctioned use of relay/ code.
  // eslint-disable-next-line no-restricted-syntax -- see above
  const { revokeHandle, revokeHandleInCluster } = await import('../../relay/admin');
  let result;
  try {
    result = opts.postgres !== undefined ? await revokeHandleInCluster(opts.postgres, opts.logKey, name) : await revokeHandle(opts.data!, name);
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : 'revocation failed');
  }
  await writeStdout(`${result === 'revoked' ? 'revoked' : 'already revoked'} ${handleArg(name)}\n`);
}

export function registerRelayCommands(program: Command): void {
  withProxyOption(program.command('register'))
    .description('register a handle for your key on a relay')
    .requiredOption('--relay <url>', 'relay URL, ws://… or wss://…')
    .requiredOption('--key <file>', 'your modern key file')
    .requiredOption('--handle <name>', 'handle: 3-32 characters of a-z 0-9 . _ -')
    .addHelpText('after', examples('c2c register --relay ws://127.0.0.1:8787 --key alice.key --handle alice'))
    .action(register);
  withProxyOption(program.command('lookup'))
    .description("print a handle's public key line and fingerprint from a relay")
    .requiredOption('--relay <url>', 'relay URL')
    .option('--state <file>', "verify the relay's key-log proofs against this file's checkpoint and update it")
    .argument('<name>', 'handle to look up')
    .option('--json', 'print {"handle", "public", "fingerprint"} as one JSON line')
    .addHelpText('after', examples('c2c lookup --relay ws://127.0.0.1:8787 bob > bob.pub', 'c2c lookup --relay ws://127.0.0.1:8787 --json bob', 'c2c lookup --relay ws://127.0.0.1:8787 --state relay.state bob'))
    .action(lookup);
  withProxyOption(program.command('send'))
    .description('encrypt stdin to a handle and deliver it through the relay (recipient must be online)')
    .requiredOption('--relay <url>', 'relay URL')
    .requiredOption('--key <file>', 'your modern key file (registered on the relay)')
    .requiredOption('--to <name>', 'recipient handle')
    .option('--state <file>', "verify the recipient's key with the key log against this state file, and carry its checkpoint as gossip")
    .addHelpText('after', examples('echo hi | c2c send --relay ws://127.0.0.1:8787 --key alice.key --to bob', 'echo hi | c2c send --relay ws://127.0.0.1:8787 --key alice.key --to bob --state relay.state'))
    .action(send);
  withProxyOption(program.command('listen'))
    .description('print messages sent to you through the relay, one per line as "HANDLE: TEXT"')
    .requiredOption('--relay <url>', 'relay URL')
    .requiredOption('--key <file>', 'your modern key file (registered on the relay)')
    .option('--count <n>', 'exit 0 after this many messages')
    .option('--timeout <seconds>', 'fail if the messages have not arrived by then')
    .option('--json', 'print each message as one JSON line {"from", "fingerprint", "text"}')
    .option('--state <file>', 'key-log state file for this relay: the own-handle check also proves consistency with it')
    .option('--log-check <seconds>', `check the key log for your own handle again this often (default ${LOG_CHECK_SECONDS}); always at start`)
    .option('--contacts <file>', "check the key-log gossip of senders pinned in this contacts file (c2c pin-card)")
    .addHelpText('after', examples('c2c listen --relay ws://127.0.0.1:8787 --key bob.key --count 1 --timeout 60', 'c2c listen --relay ws://127.0.0.1:8787 --key bob.key --json'))
    .action(listen);
  const admin = program
    .command('relay-admin')
    .description("administer a relay through its data folder (or a cluster's database)")
    .addHelpText('after', examples('c2c relay-admin revoke --data /var/lib/c2c-relay mallory'));
  admin
    .command('revoke')
    .description('revoke the identity behind a handle (works while the relay runs)')
    .option('--data <dir>', "the relay's data folder")
    .option('--postgres <url>', "cluster mode: the nodes' PostgreSQL database")
    .option('--log-key <file>', "cluster mode: the nodes' log key file (default ./.c2c-relay/log-key.json)")
    .argument('<name>', 'handle to revoke')
    .addHelpText('after', examples('c2c relay-admin revoke --data /var/lib/c2c-relay mallory', 'c2c relay-admin revoke --postgres postgres://c2c@db/c2c --log-key /etc/c2c-relay/log-key.json mallory'))
    .action(revoke);
}

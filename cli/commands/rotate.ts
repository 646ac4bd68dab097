// c2c rotate: a new signed prekey in the key file, the replaced one kept PREKEY_RETENTION_MS (so messages
// already sealed to it still open), older retired ones deleted; then, with --relay, the new public key
// published there. The file is written first: a new prekey the relay serves must never be one we lost.
import type { Command } from 'commander';
import { generatePrekey, PREKEY_RETENTION_MS } from '../../lib/crypto/prekey';
import { encodePublicBundle } from '../../lib/crypto/public-bundle';
import { RelayError } from '../../lib/relay-client/client';
import type { ProxyAddress } from '../../lib/relay-client/proxy-url';
import { CliError, EXIT, STDIO, examples, writeStderrLine, writeStdout } from '../io';
import { type KeyFilePrekey, type ModernKeyFile, encodePublicKey, loadKeyFile, publicKeyOf, replaceKeyFile } from '../keyfile';
import { proxyOption, withProxyOption } from '../proxy-option';
import { relayClient } from './relay';

/** The key file's schema keeps at most this many prekeys. */
const MAX_PREKEYS = 64;

/** The rotated key: a new first prekey, the previous ones retired now (or earlier), the expired ones gone. */
export async function rotated(key: ModernKeyFile, now: number): Promise<{ key: ModernKeyFile; dropped: number }> {
  const fresh = await generatePrekey(key.identity, { extractable: true, now });
  const retired: KeyFilePrekey[] = key.prekeys.map((p) => (p.retiredAt === undefined ? { ...p, retiredAt: now } : p));
  const kept = retired.filter((p) => now - p.retiredAt! < PREKEY_RETENTION_MS).slice(0, MAX_PREKEYS - 1);
  return { key: { ...key, prekeys: [fresh, ...kept] }, dropped: retired.length - kept.length };
}

async function publish(url: string, proxy: ProxyAddress | undefined, key: ModernKeyFile): Promise<void> {
  const pub = publicKeyOf(key);
  if (pub.suite !== 'modern') throw new CliError('the relay needs a modern key file');
  const client = relayClient(url, proxy, key.identity);
  try {
    await client.connect();
    await client.rotatePrekey(encodePublicBundle(pub.bundle));
  } catch (e) {
    const why = e instanceof RelayError ? `${e.message} (${e.code})` : String(e);
    throw new CliError(`the key file was rotated, but the relay did not take the new prekey: ${why}; run c2c rotate again later`);
  } finally {
    client.close();
  }
}

export function registerRotateCommand(program: Command): void {
  withProxyOption(program.command('rotate'))
    .description('replace the key file’s prekey (the old one keeps opening older messages for 30 days) and publish it with --relay')
    .requiredOption('--key <file>', 'your key file, rewritten in place')
    .option('--relay <url>', 'the relay you are registered on: it then serves the new prekey')
    .addHelpText('after', examples('c2c rotate --key alice.key --relay ws://127.0.0.1:8787'))
    .action(async (opts: { key: string; relay?: string; proxy?: string }) => {
      const proxy = proxyOption(opts.proxy);
      if (opts.proxy !== undefined && opts.relay === undefined) throw new CliError('--proxy is for the relay: give --relay too', EXIT.usage);
      if (opts.key === STDIO) throw new CliError('--key - is not possible: the key file is rewritten in place');
      const key = await loadKeyFile(opts.key);
      if (key.suite !== 'modern') throw new CliError('only modern key files have prekeys (this one is a cryptico key)');
      const { key: next, dropped } = await rotated(key, Date.now());
      await replaceKeyFile(opts.key, next);
      writeStderrLine(`prekey rotated; ${next.prekeys.length - 1} older kept to open earlier messages, ${dropped} expired and deleted`);
      if (opts.relay !== undefined) {
        await publish(opts.relay, proxy, next);
        writeStderrLine('published to the relay');
      }
      await writeStdout(`${encodePublicKey(publicKeyOf(next))}\n`);
    });
}

// Serverless contact exchange: `card` prints one's contact card token, `pin-card` pins a card read from
// stdin into a contacts file that `encrypt --contacts FILE --to HANDLE` reads.
import type { Command } from 'commander';
import { armor, dearmor } from '../../lib/armor/armor';
import { fromUtf8 } from '../../lib/bytes';
import { decodeContactCard, encodeContactCard } from '../../lib/crypto/contact-card';
import { fingerprint } from '../../lib/crypto/identity';
import { C2CError } from '../../lib/errors';
import { loadContacts, pinCard, saveContacts } from '../contacts-file';
import { CliError, EXIT, STDIO, examples, readInput, writeStdout } from '../io';
import { loadKeyFile, publicKeyOf } from '../keyfile';

/** A card is under 500 characters; anything much longer is not one. */
const MAX_CARD_INPUT_BYTES = 64 * 1024;

export function registerCardCommands(program: Command): void {
  program
    .command('card')
    .description('print your contact card: one token to send through any chat, for `pin-card` or the extension to pin')
    .requiredOption('--key <file>', 'your key file (modern, with a handle)')
    .addHelpText('after', examples('c2c card --key alice.key'))
    .action(async (opts: { key: string }) => {
      const key = await loadKeyFile(opts.key);
      if (key.suite !== 'modern') throw new C2CError('unsupported', 'contact cards carry modern keys; this key file holds a cryptico key');
      if (key.handle === undefined) throw new C2CError('malformed', 'this key file has no handle; a card names you by one (c2c keygen --handle NAME)');
      const pub = publicKeyOf(key);
      if (pub.suite !== 'modern') throw new C2CError('unsupported', 'contact cards carry modern keys');
      const [token] = armor(await encodeContactCard(key.identity, pub.bundle), { maxPartLength: Infinity });
      await writeStdout(`${token}\n`);
    });

  program
    .command('pin-card')
    .description('pin the contact card read from stdin into a contacts file (created if missing)')
    .requiredOption('--contacts <file>', 'the contacts file to pin into (mode 0600)')
    .addHelpText('after', examples('c2c pin-card --contacts contacts.json < alice.card', 'c2c encrypt --from bob.key --contacts contacts.json --to alice < msg.txt'))
    .action(async (opts: { contacts: string }) => {
      if (opts.contacts === STDIO) throw new CliError('--contacts - is not possible: stdin carries the card', EXIT.usage);
      // The file first: a broken contacts file is reported before the card is read.
      const contacts = await loadContacts(opts.contacts);
      let text: string;
      try {
        text = fromUtf8(await readInput(STDIO, MAX_CARD_INPUT_BYTES));
      } catch (e) {
        if (e instanceof C2CError && e.code !== 'malformed') throw e;
        throw new C2CError('malformed', 'stdin is not UTF-8 text');
      }
      const card = await decodeContactCard(dearmor(text));
      const result = await pinCard(contacts, card);
      if (result !== 'unchanged') await saveContacts(opts.contacts, contacts);
      await writeStdout(`${result}: ${card.handle} ${await fingerprint(card.identityKey)}\n`);
    });
}

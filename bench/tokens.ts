// `npm run bench -- tokens`: how long a message is as text in a host chat. Message v2 (what the extension
// and CLI send) and v1 (for reference), armored as one part with lib/armor, against OpenPGP.js (X25519
// keys, signed, ASCII-armored) for the same texts and recipients, measured in the same run. Every token is
// checked to open to its text. Fields: bench/README.md.
import * as openpgp from 'openpgp';
import { armor, dearmor } from '../lib/armor/armor';
import { fromUtf8, toHex, utf8 } from '../lib/bytes';
import { newSelfPqSecret } from '../lib/crypto/contact-pq';
import { generateIdentity } from '../lib/crypto/identity';
import { sealMessage } from '../lib/crypto/message';
import { sealMessageV2 } from '../lib/crypto/message-v2';
import { openTextMessage } from '../lib/crypto/open-message';
import { generatePrekey } from '../lib/crypto/prekey';
import type { PublicBundle } from '../lib/crypto/public-bundle';
import { runIfMain } from './main';

// Natural prose with a little Cyrillic: what people type, not letters that compress to nothing.
const PROSE =
  'Lunch moved to Friday, sorry! Bring the slides and the notes from Tuesday. ' +
  'Maria says the printer on the third floor is broken again, so print them at home if you can. ' +
  'Встретимся у входа в девять. After lunch we walk over to the client together; their office is the glass ' +
  'building behind the station, second entrance, and the guard will want to see an ID. I booked the small ' +
  'meeting room from two to four. If the demo crashes, we show the recording instead and nobody panics. ' +
  'Anna cannot come, she has the dentist, but she will join the call for the budget part around three. ' +
  'Please read the contract draft before Thursday evening: clause seven about data retention still says ' +
  'ninety days, and we agreed on thirty. Юристы обещали прислать новую версию завтра утром. ' +
  'Also, the keys to the storage room are under the mat by the back door; put them back when you are done, ' +
  'the cleaners need them on Monday. The train tickets are in the shared folder, one PDF each, and the ' +
  'hotel is paid already, breakfast included. Dinner on Friday is at the Georgian place near the river, ' +
  'table for six at eight. Если опоздаешь, напиши мне сюда, я предупрежу остальных. One more thing: the ' +
  'new laptop for Pavel arrived, it is in my office in the brown box, do not let anyone take it before he ' +
  'sets it up. The old one goes back to IT with the charger and the bag. Thanks for handling the slides ' +
  'last time, they were great and the client asked for a copy. Let us keep the same style: dark titles, ' +
  'few words, big numbers. I will send the figures tonight when finance confirms them; until then, leave ' +
  'the revenue slide empty. See you Friday, and do not forget the umbrella, rain is forecast all afternoon. ' +
  'P.S. The conference in October: they accepted our talk! Twenty minutes on the Thursday morning, right ' +
  'after the keynote. We should start on it in September at the latest, ideally with a short rehearsal in ' +
  'front of the team. Дима предложил показать живую демонстрацию вместо слайдов; I like the idea, but only ' +
  'if we have a recording ready in case the conference network is bad, which it always is.';

const LENGTHS = [20, 200, 2000] as const;
const RECIPIENTS = [1, 3, 10] as const;
/** The targets: armored characters for 20 characters to 1 and 3 recipients; ratio to OpenPGP.js. */
const TARGETS = { chars20to1: 450, chars20to3: 700, maxRatio: 0.6 };

interface Figure {
  /** Characters of text sealed, bytes of payload, characters of armored token. */
  textChars: number;
  recipients: number;
  v2Bytes: number;
  v2Chars: number;
  /** The same message with post-quantum wraps to every recipient (each has a PQS). */
  v2PqChars: number;
  v1Bytes: number;
  v1Chars: number;
  openpgpChars: number;
  /** v2Chars ÷ openpgpChars. */
  ratio: number;
}

async function modernUser() {
  const identity = await generateIdentity();
  const prekey = await generatePrekey(identity);
  const bundle: PublicBundle = { identityKey: identity.publicKey, prekey: { publicKey: prekey.publicKey, created: prekey.created, signature: prekey.signature } };
  return { identity, prekey, bundle };
}

async function pgpUser(name: string) {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }], format: 'object' });
  return { privateKey, publicKey };
}

/** The one-part token of a payload, checked to open back to `text` for the first recipient. */
async function token(sealed: Uint8Array, text: string, reader: Awaited<ReturnType<typeof modernUser>>, contactSecrets: Uint8Array[] = []): Promise<string> {
  const parts = armor(sealed, { maxPartLength: Infinity });
  if (parts.length !== 1) throw new Error(`expected one armor part, got ${parts.length}`);
  const opened = await openTextMessage(dearmor(parts[0]!), { identity: reader.identity, prekeys: [reader.prekey], contactSecrets });
  if (contactSecrets.length > 0 && !opened.postQuantum) throw new Error('a post-quantum token opened classically');
  if (fromUtf8(opened.plaintext) !== text) throw new Error('a token did not open to its text');
  return parts[0]!;
}

export async function tokensBench(log: (line: string) => void = console.log): Promise<Record<string, unknown>> {
  const started = Date.now();
  const max = Math.max(...RECIPIENTS);
  const sender = await modernUser();
  const readers = await Promise.all(Array.from({ length: max }, modernUser));
  const pgpSender = await pgpUser('sender');
  const pgpReaders = await Promise.all(Array.from({ length: max }, (_, i) => pgpUser(`reader${i}`)));
  const pgpReader = pgpReaders[0]!;

  // Per-contact post-quantum secrets, as a version-2 chat leaves them (lib/crypto/contact-pq.ts).
  const secrets = readers.map(() => newSelfPqSecret());
  const postQuantum = { self: newSelfPqSecret(), contacts: new Map(readers.map((r, i) => [toHex(r.identity.publicKey), secrets[i]!])) };
  const figures: Record<string, Figure> = {};
  log('text  to   v2 bytes  v2 chars  v2 pq chars  v1 chars  OpenPGP.js  v2/OpenPGP');
  for (const textChars of LENGTHS) {
    const text = PROSE.slice(0, textChars);
    if (text.length !== textChars) throw new Error('the bench prose is too short');
    for (const n of RECIPIENTS) {
      const to = readers.slice(0, n);
      const reader = to[0]!;
      const v2 = await sealMessageV2({ identity: sender.identity, recipients: to.map((r) => r.bundle), plaintext: utf8(text) });
      const v1 = await sealMessage({ sender, recipients: to.map((r) => r.bundle), plaintext: utf8(text) });
      const v2pq = await sealMessageV2({ identity: sender.identity, recipients: to.map((r) => r.bundle), plaintext: utf8(text), postQuantum });
      const [v2Token, v2PqToken, v1Token] = await Promise.all([token(v2, text, reader), token(v2pq, text, reader, [secrets[0]!]), token(v1, text, reader)]);
      const pgp = await openpgp.encrypt({
        message: await openpgp.createMessage({ text }),
        encryptionKeys: pgpReaders.slice(0, n).map((r) => r.publicKey),
        signingKeys: pgpSender.privateKey,
        format: 'armored',
      });
      const pgpOpened = await openpgp.decrypt({
        message: await openpgp.readMessage({ armoredMessage: pgp }),
        decryptionKeys: pgpReader.privateKey,
        verificationKeys: pgpSender.publicKey,
        expectSigned: true,
      });
      if (pgpOpened.data !== text) throw new Error('an OpenPGP.js message did not open to its text');
      const ratio = Math.round((v2Token.length / pgp.length) * 1000) / 1000;
      figures[`${textChars}.${n}`] = {
        textChars,
        recipients: n,
        v2Bytes: v2.length,
        v2Chars: v2Token.length,
        v2PqChars: v2PqToken.length,
        v1Bytes: v1.length,
        v1Chars: v1Token.length,
        openpgpChars: pgp.length,
        ratio,
      };
      const cells = [String(textChars).padStart(4), String(n).padStart(3), String(v2.length).padStart(9), String(v2Token.length).padStart(9), String(v2PqToken.length).padStart(12)];
      log(`${cells.join(' ')} ${String(v1Token.length).padStart(9)} ${String(pgp.length).padStart(11)} ${ratio.toFixed(3).padStart(11)}`);
    }
  }
  const all = Object.values(figures);
  const targets = {
    chars20to1: { limit: TARGETS.chars20to1, value: figures['20.1']!.v2Chars, met: figures['20.1']!.v2Chars <= TARGETS.chars20to1 },
    chars20to1PostQuantum: { limit: TARGETS.chars20to1, value: figures['20.1']!.v2PqChars, met: figures['20.1']!.v2PqChars <= TARGETS.chars20to1 },
    chars20to3: { limit: TARGETS.chars20to3, value: figures['20.3']!.v2Chars, met: figures['20.3']!.v2Chars <= TARGETS.chars20to3 },
    maxRatio: { limit: TARGETS.maxRatio, value: Math.max(...all.map((f) => f.ratio)), met: all.every((f) => f.ratio <= TARGETS.maxRatio) },
  };
  for (const [name, t] of Object.entries(targets)) log(`${name}: ${t.value} (target ≤ ${t.limit}): ${t.met ? 'met' : 'MISSED'}`);
  return { figures, targets, wallSeconds: Math.round((Date.now() - started) / 1000) };
}

runIfMain(import.meta.url, 'tokens', tokensBench);

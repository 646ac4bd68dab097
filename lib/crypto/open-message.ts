// One entry point for every one-shot text message, routed by its format id: v2 (0x04), and v1 (0x01)
// for messages sealed before v2. Chat invitations (0x03) and legacy payloads (0x02) have their own openers.
import { equalBytes } from '../bytes';
import { C2CError } from '../errors';
import { FORMAT_ID, formatIdOf } from './format-ids';
import { keyIdBytes } from './identity';
import { openMessage } from './message';
import { checkV1SenderPrekeyAge } from './prekey';
import { type OpenedText, type OpeningKeys, openMessageV2, type OpenOptions } from './message-v2';

export async function openTextMessage(bytes: Uint8Array, me: OpeningKeys, opts: OpenOptions = {}): Promise<OpenedText> {
  switch (formatIdOf(bytes)) {
    case FORMAT_ID.modernMessageV2:
      return openMessageV2(bytes, me, opts);
    case FORMAT_ID.modernMessageV1: {
      const v1 = await openMessage(bytes, { identityKey: me.identity.publicKey, prekeys: me.prekeys }, opts);
      checkV1SenderPrekeyAge(v1.sender.prekey.created, v1.timestamp);
      const identityKey = v1.sender.identityKey;
      return {
        format: FORMAT_ID.modernMessageV1,
        plaintext: v1.plaintext,
        // v1 authenticates its sender through HPKE auth mode with the sender's signed prekey.
        sender: { keyId: await keyIdBytes(identityKey), identityKey },
        signature: 'checked',
        ownCopy: equalBytes(identityKey, me.identity.publicKey),
        messageId: v1.messageId,
        timestamp: v1.timestamp,
        channel: undefined,
        extensions: [],
        replay: v1.replay,
        postQuantum: false,
      };
    }
    default:
      throw new C2CError(bytes.length === 0 ? 'truncated' : 'unknown-version', 'the message uses a format this version does not know');
  }
}

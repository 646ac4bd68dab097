// Every fuzz target, in the order `npm run fuzz` runs them (docs/TESTING.md, "Fuzzing").
import type { Target } from './engine';
import { apiTarget } from './targets/api';
import { armorTarget } from './targets/armor';
import { backupTarget } from './targets/backup';
import { backupFileTarget } from './targets/backup-file';
import { cardsTarget } from './targets/cards';
import { fileTarget } from './targets/file';
import { chatTarget } from './targets/chat';
import { headerTarget } from './targets/header';
import { inviteTarget } from './targets/invite';
import { keyfileTarget } from './targets/keyfile';
import { legacyTarget } from './targets/legacy';
import { messageTarget } from './targets/message';
import { p2pTarget } from './targets/p2p';
import { relayClientTarget } from './targets/relay-client';
import { relayServerTarget } from './targets/relay-server';

export const TARGETS = [
  armorTarget, headerTarget, messageTarget, cardsTarget, inviteTarget, p2pTarget, chatTarget, relayServerTarget, relayClientTarget,
  backupFileTarget, backupTarget, fileTarget, keyfileTarget, legacyTarget, apiTarget,
] as Target<never>[];

// Every fuzz target, in the order `npm run fuzz` runs them.
import type { Target } from './engine';
import { armorTarget } from './targets/armor';
import { headerTarget } from './targets/header';
import { inviteTarget } from './targets/invite';
import { messageTarget } from './targets/message';
import { chatTarget } from './targets/chat';
import { relayServerTarget } from './targets/relay-server';
import { relayClientTarget } from './targets/relay-client';

export const TARGETS = [armorTarget, headerTarget, messageTarget, inviteTarget, chatTarget, relayServerTarget, relayClientTarget] as Target<never>[];

// Which view may make which background request (views: sender.ts). Two views live inside hostile host pages
// (the message and compose frames): a page that drives one of them, by clickjacking it or feeding it tokens,
// reaches only that view's few requests. Refusals happen before any handler runs, so nothing is written.
import { REQUEST_TYPES, type RequestType } from '@/lib/protocol/background-api';
import { backupApi } from '@/lib/protocol/api/backup';
import { composeFrameApi } from '@/lib/protocol/api/compose-frame';
import { messageFrameApi } from '@/lib/protocol/api/message-frame';
import type { View } from './sender';

const typesOf = (api: object) => Object.keys(api) as RequestType[];
const allBut = (...left: RequestType[]) => REQUEST_TYPES.filter((type) => !left.includes(type));

// Pages outside any host page may make every request but the compose frame's ticket claim; backups (either
// way) only the popup and the options page, where the user types the passphrase.
const PAGE_REQUESTS = allBut('claimComposeTicket');
const PAGE_REQUESTS_NO_BACKUP = allBut('claimComposeTicket', ...typesOf(backupApi));

export const VIEW_REQUESTS: Record<View, ReadonlySet<RequestType>> = {
  'message frame': new Set(typesOf(messageFrameApi)),
  'compose frame': new Set([...typesOf(composeFrameApi), 'getSecurity']),
  popup: new Set(PAGE_REQUESTS),
  'options page': new Set(PAGE_REQUESTS),
  'side panel': new Set(PAGE_REQUESTS_NO_BACKUP),
  'chat page': new Set(PAGE_REQUESTS_NO_BACKUP),
};

/** The views outside any host page, which may ask the background to open the compose overlay in a tab. */
export const COMPOSE_HERE_VIEWS: ReadonlySet<View> = new Set(['popup', 'options page', 'side panel']);

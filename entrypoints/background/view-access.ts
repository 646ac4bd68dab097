// Which view may make which background request (views: sender.ts). Two views live inside hostile host pages
// (the message and compose frames): a page that drives one of them, by clickjacking it or feeding it tokens,
// reaches only that view's few requests. Refusals happen before any handler runs, so nothing is written.
import { REQUEST_TYPES, type RequestType } from '@/lib/protocol/background-api';
import { backupApi } from '@/lib/protocol/api/backup';
import { composeFrameApi } from '@/lib/protocol/api/compose-frame';
import { messageFrameApi } from '@/lib/protocol/api/message-frame';
import { panelApi } from '@/lib/protocol/api/panel';
import type { View } from './sender';

const typesOf = (api: object) => Object.keys(api) as RequestType[];
const allBut = (...left: RequestType[]) => REQUEST_TYPES.filter((type) => !left.includes(type));

// Pages outside any host page may make every request but the compose frame's ticket claim and the side
// panel's own; backups (either way) only the popup and the options page, where the user types the passphrase.
const PAGE_REQUESTS = allBut('claimComposeTicket', ...typesOf(panelApi));
const PAGE_REQUESTS_NO_BACKUP = allBut('claimComposeTicket', ...typesOf(panelApi), ...typesOf(backupApi));
// The side panel reads the tab's messages and sends through it, with the contacts, the mark and the state it
// shows: never backups, settings or keys (it sits beside a page the user may not trust, but outside it).
const SIDE_PANEL_REQUESTS: RequestType[] = [...typesOf(panelApi), 'listContacts', 'getSecurity', 'getState'];

export const VIEW_REQUESTS: Record<View, ReadonlySet<RequestType>> = {
  'message frame': new Set(typesOf(messageFrameApi)),
  'compose frame': new Set([...typesOf(composeFrameApi), 'getSecurity']),
  popup: new Set(PAGE_REQUESTS),
  'options page': new Set(PAGE_REQUESTS),
  'side panel': new Set(SIDE_PANEL_REQUESTS),
  'chat page': new Set(PAGE_REQUESTS_NO_BACKUP),
};

/** The views outside any host page, which may ask the background to open the compose overlay in a tab. */
export const COMPOSE_HERE_VIEWS: ReadonlySet<View> = new Set(['popup', 'options page', 'side panel']);

/** The views that may have the background encrypt and decrypt files (the `c2c-file` port, file-port.ts). */
export const FILE_VIEWS: ReadonlySet<View> = new Set(['popup', 'options page', 'side panel']);

// Requests of the popup and the options page about how each site shows messages and about the first-run
// flow's backup reminder.
import { z } from 'zod';
import { SITE_MODES } from '../../keyring/settings';
import { siteSchema, type ApiEntry } from './shared';

const siteModeAnswer = z.object({ mode: z.enum(SITE_MODES) });

export const siteSettingsApi = {
  // How a site shows messages (the popup's site-mode choice): frames in the page, or the side panel only.
  getSiteMode: {
    request: z.object({ type: z.literal('getSiteMode'), site: siteSchema }).strict(),
    response: siteModeAnswer,
  },
  saveSiteMode: {
    request: z.object({ type: z.literal('saveSiteMode'), site: siteSchema, mode: z.enum(SITE_MODES) }).strict(),
    response: siteModeAnswer,
  },
  // Whether the popup should remind the user to export a backup (an identity, and no backup made yet).
  getBackupReminder: {
    request: z.object({ type: z.literal('getBackupReminder') }).strict(),
    response: z.object({ due: z.boolean() }),
  },
} satisfies Record<string, ApiEntry>;

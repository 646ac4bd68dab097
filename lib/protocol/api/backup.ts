// Backup requests: only the popup and the options page may make them (entrypoints/background/view-access.ts),
// with the passphrase typed there. A frame in a page could otherwise export the keyring under a passphrase
// of its choosing, or replace it with one of its own.
import { z } from 'zod';
import { identityInfoSchema } from './pages';
import { LIMITS, type ApiEntry } from './shared';

const passphraseSchema = z.string().max(LIMITS.passphrase, 'The passphrase is too long.');

export const backupApi = {
  exportBackup: {
    request: z.object({ type: z.literal('exportBackup'), passphrase: passphraseSchema }).strict(),
    response: z.object({ backup: z.string() }),
  },
  restoreBackup: {
    request: z
      .object({
        type: z.literal('restoreBackup'),
        backup: z.string().trim().min(1, 'Paste or choose a backup first.').max(LIMITS.backupText, 'The backup is too large.'),
        passphrase: passphraseSchema,
      })
      .strict(),
    response: z.object({ identity: identityInfoSchema }),
  },
} satisfies Record<string, ApiEntry>;

// Backup files (lib/keyring/backup-file.ts): decryptBackupPayload() on mutated files (JSON fields and raw
// text), made by encryptBackupPayload() at the lowest scrypt cost it allows. Only a file that means the
// same JSON opens, to the same payload; a changed header or ciphertext never does.
import { equalBytes, utf8 } from '../../lib/bytes';
import { decryptBackupPayload, encryptBackupPayload, MIN_SCRYPT_N } from '../../lib/keyring/backup-file';
import { check, type Target } from '../engine';
import { mutateJson, shrinkText } from '../mutate';

export const BACKUP_PASSPHRASE = 'correct horse battery staple';
export const BACKUP_PIECES = ['"format"', '"kdf"', '"N"', '"salt"', '"iv"', '"check"', '"ciphertext"', 'c2c-backup', 'scrypt', 'AES-256-GCM', '16384', '262144', '4', 'A', '-', '_'];

export const backupTarget: Target<string> = {
  name: 'backup',
  covers: 'decryptBackupPayload() (size and JSON checks, schema, scrypt parameters, check value, AES-GCM over the header) on mutated backup files; only the same JSON opens, to the same payload',
  smoke: 100,
  async setup() {
    const payloads = [utf8('{"v":1,"keys":"…"}'), new Uint8Array(0)];
    const files = await Promise.all(payloads.map((p, i) => encryptBackupPayload(p, BACKUP_PASSPHRASE, { kind: i === 0 ? 'keyring' : 'cli-key', testingOnlyScryptN: MIN_SCRYPT_N })));
    const values = files.map((f) => JSON.parse(f) as unknown);
    return {
      generate(rng) {
        const i = rng.int(files.length);
        return mutateJson(rng, files[i]!, values[i], BACKUP_PIECES, values, files);
      },
      async run(text) {
        const opened = await decryptBackupPayload(text, BACKUP_PASSPHRASE);
        const i = files.findIndex((f) => sameJson(f, text));
        check(i >= 0, 'a changed backup file opened');
        check(equalBytes(opened.payload, payloads[i]!), 'a backup opened to another payload');
      },
      shrink: shrinkText,
      show: (text) => JSON.stringify(text),
    };
  },
};

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

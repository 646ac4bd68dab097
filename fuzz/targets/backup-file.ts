// Backup files' outer checks (lib/keyring/backup-file.ts): parseBackupFile() on mutated files, at the rate of
// a JSON decoder. The `backup` target runs the whole restore, one scrypt derivation per input that parses, so it
// reaches far fewer inputs; this one covers the part an attacker's file meets before any derivation and holds
// the bound on what a file may ask of scrypt.
import { MAX_SCRYPT_N, MIN_SCRYPT_N, encryptBackupPayload, parseBackupFile } from '../../lib/keyring/backup-file';
import { utf8 } from '../../lib/bytes';
import { check, type Target } from '../engine';
import { mutateJson, shrinkText } from '../mutate';
import { BACKUP_PASSPHRASE, BACKUP_PIECES } from './backup';

export const backupFileTarget: Target<string> = {
  name: 'backup-file',
  covers: 'parseBackupFile() (size, JSON, format and version, strict schema, base64url field lengths, scrypt bounds) on mutated backup files; nothing accepted asks for more than one N = 2^18 derivation',
  smoke: 10_000,
  async setup() {
    const files = await Promise.all(
      [utf8('{"v":1}'), new Uint8Array(0)].map((p, i) => encryptBackupPayload(p, BACKUP_PASSPHRASE, { kind: i === 0 ? 'keyring' : 'cli-key', testingOnlyScryptN: MIN_SCRYPT_N })),
    );
    // Also a file at the largest N allowed (never opened here, so no derivation at that cost): from it, one
    // edit of p reaches the N · p bound.
    const heaviest = JSON.parse(files[0]!) as { kdf: { N: number } };
    heaviest.kdf.N = MAX_SCRYPT_N;
    files.push(JSON.stringify(heaviest, null, 1) + '\n');
    const values = files.map((f) => JSON.parse(f) as unknown);
    return {
      generate(rng) {
        const i = rng.int(files.length);
        return mutateJson(rng, files[i]!, values[i], BACKUP_PIECES, values, files);
      },
      run(text) {
        const { kdf, cipher, check: checkValue } = parseBackupFile(text);
        check(Number.isInteger(Math.log2(kdf.N)) && kdf.N >= MIN_SCRYPT_N && kdf.N * kdf.p <= MAX_SCRYPT_N, `a file asking scrypt for N=${kdf.N}, p=${kdf.p} was accepted`);
        check(kdf.salt.length === 16 && cipher.iv.length === 12 && checkValue.length === 16, 'a field of the wrong length was accepted');
      },
      shrink: shrinkText,
      show: (text) => JSON.stringify(text),
    };
  },
};

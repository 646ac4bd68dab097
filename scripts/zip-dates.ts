// WXT's zip writer (@aklinker1/zero-zip) gives every entry the MS-DOS date 0, which is no date at all
// (month 0, day 0): some unzip tools and store checks show or reject it. This rewrites each entry's date
// in place to 1980-01-01 00:00, the earliest real one, the same for every build, so the zip stays
// reproducible. Only the date fields change; sizes and offsets stay as they are.
import { readFileSync, writeFileSync } from 'node:fs';

/** 1980-01-01 in MS-DOS form: (year - 1980) << 9 | month << 5 | day. Time 00:00:00 is 0. */
export const FIXED_DOS_DATE = (1 << 5) | 1;

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;

export function fixZipDates(path: string): void {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0 || zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) throw new Error(`${path}: no zip end record`);
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i += 1) {
    if (zip.readUInt32LE(at) !== CENTRAL_HEADER) throw new Error(`${path}: entry ${i} has no central header`);
    const local = zip.readUInt32LE(at + 42);
    if (zip.readUInt32LE(local) !== LOCAL_HEADER) throw new Error(`${path}: entry ${i} has no local header`);
    zip.writeUInt16LE(0, at + 12);
    zip.writeUInt16LE(FIXED_DOS_DATE, at + 14);
    zip.writeUInt16LE(0, local + 10);
    zip.writeUInt16LE(FIXED_DOS_DATE, local + 12);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  writeFileSync(path, zip);
}

// fixZipTimes: every entry's DOS time and date, in its local header and in the central
// directory, set to 1980-01-01 00:00, and nothing else changed. The zip is built here by hand
// (stored entries, the layout `mcpb pack` writes through fflate) so the offsets are known.
import { describe, expect, it } from 'vitest';
import { fixZipTimes } from '../../scripts/mcpb/zip-times.js';

const TIME = 0x6a5b; // some time of day
const DATE = 0x5b8e; // some day in 2025

function storedZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const nameBytes = Buffer.from(name);
    const data = Buffer.from(text);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(TIME, 10);
    local.writeUInt16LE(DATE, 12);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(TIME, 12);
    central.writeUInt16LE(DATE, 14);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(files).length, 8);
  eocd.writeUInt16LE(Object.keys(files).length, 10);
  eocd.writeUInt32LE(directory.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, eocd]);
}

describe('fixZipTimes', () => {
  it('sets every time and date to the DOS epoch, in both headers, and changes no other byte', () => {
    const zip = storedZip({ 'manifest.json': '{}', 'bin/a.js': 'run()' });
    const fixed = fixZipTimes(zip);
    expect(fixed.length).toBe(zip.length);
    const changed = [...zip.keys()].filter((i) => zip[i] !== fixed[i]);
    // Local headers at 0 and 30+13+2=45; the directory after both entries' data.
    const directory = 45 + 30 + 8 + 5;
    const expected = [0, 45, directory, directory + 46 + 13].flatMap((at) => {
      const t = at < directory ? at + 10 : at + 12;
      return [t, t + 1, t + 2, t + 3];
    });
    expect(changed.sort((a, b) => a - b)).toEqual(expected.filter((i) => zip[i] !== fixed[i]));
    for (const at of [0, 45]) {
      expect([fixed.readUInt16LE(at + 10), fixed.readUInt16LE(at + 12)]).toEqual([0, 0x21]);
    }
    for (const at of [directory, directory + 46 + 13]) {
      expect([fixed.readUInt16LE(at + 12), fixed.readUInt16LE(at + 14)]).toEqual([0, 0x21]);
    }
    expect(fixZipTimes(fixed).equals(fixed)).toBe(true);
  });

  it('refuses what is not a zip', () => {
    expect(() => fixZipTimes(Buffer.from('not a zip at all, not even close to one'))).toThrow(/Not a zip/);
  });
});

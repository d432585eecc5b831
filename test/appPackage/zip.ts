import { unzipSync } from 'fflate';

// Reads a zip back entry by entry (fflate checks each entry's CRC-32 as it inflates).

export function readZip(zip: Buffer): Map<string, Buffer> {
  return new Map(Object.entries(unzipSync(new Uint8Array(zip))).map(([name, data]) => [name, Buffer.from(data)]));
}

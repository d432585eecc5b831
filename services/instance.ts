import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

// Who this process is, among the bot instances sharing one database: the owner written on the
// leases it takes. The random part keeps a restarted process (same host, reused pid) from
// mistaking the leases its predecessor left for its own.

export function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

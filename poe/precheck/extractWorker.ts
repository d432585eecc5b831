import { parentPort } from 'node:worker_threads';
import type { PrecheckFacts } from '../../services/precheck.js';
import { runChecks } from './checks.js';
import { extractText } from './extract.js';
import type { ExtractOptions, Reading } from './extraction.js';

// The pre-check's thread (started by checker.ts): one file at a time, read and checked here, so
// parsing a large PDF, waiting for OCR or matching 200 pages of text never holds the bot's event
// loop; only the findings go back. Children and temp folders are reported as they come and go,
// so the parent can clean up after terminating this thread on a time limit.

/** A file to check; its bytes follow in `FileChunk`s (copying 20 MB at once holds a thread). */
export interface ExtractRequest {
  type: 'file';
  id: number;
  name: string;
  contentType: string;
  size: number;
  options: Omit<ExtractOptions, 'track'>;
  facts: PrecheckFacts;
}

export interface FileChunk {
  type: 'chunk';
  id: number;
  offset: number;
  bytes: Uint8Array;
}

export type WorkerMessage =
  { type: 'done'; id: number; reading: Reading } | { type: 'child'; pid: number; running: boolean } | { type: 'temp'; path: string; exists: boolean };

const port = parentPort;
if (port) {
  const post = (message: WorkerMessage) => port.postMessage(message);
  let pending: { request: ExtractRequest; bytes: Uint8Array; received: number } | undefined;

  const check = (request: ExtractRequest, bytes: Uint8Array) => {
    const options: ExtractOptions = {
      ...request.options,
      track: {
        child: (pid, running) => post({ type: 'child', pid, running }),
        tempDir: (path, exists) => post({ type: 'temp', path, exists }),
      },
    };
    void extractText(request.name, request.contentType, bytes, options).then(
      ({ unitCount, truncated, ocr, unreadable, ...text }) =>
        post({
          type: 'done',
          id: request.id,
          reading: { unitCount, truncated, ocr, ...(unreadable ? { unreadable, findings: [] } : { findings: runChecks(text, request.facts) }) },
        }),
      () => post({ type: 'done', id: request.id, reading: { unitCount: 0, truncated: false, ocr: false, unreadable: 'broken', findings: [] } }),
    );
  };

  port.on('message', (message: ExtractRequest | FileChunk) => {
    if (message.type === 'file') {
      pending = { request: message, bytes: new Uint8Array(message.size), received: 0 };
    } else if (pending && message.id === pending.request.id) {
      pending.bytes.set(message.bytes, message.offset);
      pending.received += message.bytes.length;
    }
    if (pending && pending.received >= pending.request.size) {
      const { request, bytes } = pending;
      pending = undefined;
      check(request, bytes);
    }
  });
}

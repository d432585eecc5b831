import { parentPort } from 'node:worker_threads';
import { extractText } from './extract.js';
import type { ExtractOptions, Extraction } from './extraction.js';

// The extraction thread (started by checker.ts): one file at a time, so parsing a large PDF or
// waiting for OCR never holds the bot's event loop. Children and temp folders are reported as
// they come and go, so the parent can clean up after terminating this thread on a time limit.

export interface ExtractRequest {
  id: number;
  name: string;
  contentType: string;
  bytes: Uint8Array;
  options: Omit<ExtractOptions, 'track'>;
}

export type WorkerMessage =
  { type: 'done'; id: number; extraction: Extraction } | { type: 'child'; pid: number; running: boolean } | { type: 'temp'; path: string; exists: boolean };

const port = parentPort;
if (port) {
  const post = (message: WorkerMessage) => port.postMessage(message);
  port.on('message', (request: ExtractRequest) => {
    const options: ExtractOptions = {
      ...request.options,
      track: {
        child: (pid, running) => post({ type: 'child', pid, running }),
        tempDir: (path, exists) => post({ type: 'temp', path, exists }),
      },
    };
    void extractText(request.name, request.contentType, request.bytes, options).then(
      (extraction) => post({ type: 'done', id: request.id, extraction }),
      () => post({ type: 'done', id: request.id, extraction: { units: [], unitCount: 0, truncated: false, ocr: false, senders: [], unreadable: 'broken' } }),
    );
  });
}

import { parentPort } from 'node:worker_threads';
import type { PrecheckFacts } from '../../services/precheck.js';
import { runChecks } from './checks.js';
import { extractText } from './extract.js';
import type { ExtractOptions, Reading } from './extraction.js';

// The pre-check's thread (started by checker.ts): one file at a time, read and checked here, so
// parsing a large PDF, waiting for OCR or matching 200 pages of text never holds the bot's event
// loop; only the findings go back. Children and temp folders are reported as
// they come and go, so the parent can clean up after terminating this thread on a time limit.

export interface ExtractRequest {
  id: number;
  name: string;
  contentType: string;
  bytes: Uint8Array;
  options: Omit<ExtractOptions, 'track'>;
  facts: PrecheckFacts;
}

export type WorkerMessage =
  { type: 'done'; id: number; reading: Reading } | { type: 'child'; pid: number; running: boolean } | { type: 'temp'; path: string; exists: boolean };

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
      ({ unitCount, truncated, ocr, unreadable, ...text }) =>
        post({
          type: 'done',
          id: request.id,
          reading: { unitCount, truncated, ocr, ...(unreadable ? { unreadable, findings: [] } : { findings: runChecks(text, request.facts) }) },
        }),
      () => post({ type: 'done', id: request.id, reading: { unitCount: 0, truncated: false, ocr: false, unreadable: 'broken', findings: [] } }),
    );
  });
}

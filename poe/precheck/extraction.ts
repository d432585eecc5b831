import type { Finding, UnreadableReason } from '../../services/precheck.js';

// What extraction hands the checks: the text of each page, slide, sheet or message with where it
// came from, and the senders of any e-mail (an e-mail from the customer is an acknowledgement).

export interface TextUnit {
  /** "page 3", "slide 2", "sheet Budget", "message", "attachment contract.pdf, page 1". */
  where: string;
  text: string;
}

export interface Extraction {
  units: TextUnit[];
  /** Pages, slides, sheets or messages read (a page without text still counts). */
  unitCount: number;
  /** More units than the limit: only the first ones were read. */
  truncated: boolean;
  /** Some text came from OCR. */
  ocr: boolean;
  /** The From addresses of the messages read. */
  senders: string[];
  unreadable?: UnreadableReason;
}

export interface ExtractOptions {
  maxUnits: number;
  maxInflatedBytes: number;
  /** OCR is wanted and the binaries were found. */
  ocr: boolean;
  /** Scanned pages read by OCR at most (each takes seconds). */
  maxOcrPages: number;
  /** Per run of pdftoppm or tesseract. */
  toolTimeoutMs: number;
  /** Told of each child process and temp folder, so the parent can clean up after a kill. */
  track?: Tracker;
}

export interface Tracker {
  child(pid: number, running: boolean): void;
  tempDir(path: string, exists: boolean): void;
}

/** Thrown by an extractor when the file cannot be read for a reason worth telling the partner. */
export class Unreadable extends Error {
  constructor(readonly reason: UnreadableReason) {
    super(`unreadable: ${reason}`);
    this.name = 'Unreadable';
  }
}

export const emptyExtraction = (): Extraction => ({ units: [], unitCount: 0, truncated: false, ocr: false, senders: [] });

/** What the thread sends back: the findings, and what was read (not the text itself). */
export type Reading = Pick<Extraction, 'unitCount' | 'truncated' | 'ocr' | 'unreadable'> & { findings: Finding[] };

export const unreadableReading = (reason: UnreadableReason): Reading => ({ unitCount: 0, truncated: false, ocr: false, unreadable: reason, findings: [] });

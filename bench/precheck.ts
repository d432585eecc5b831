import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startApp } from '../bot/app.js';
import { loadConfig } from '../bot/config.js';
import { createPoeChecker, type PoeWorkerChecker } from '../poe/precheck/checker.js';
import { ocrToolsAvailable } from '../poe/precheck/ocr.js';
import { systemClock } from '../services/clock.js';
import type { PrecheckFacts } from '../services/precheck.js';
import { freePort } from '../test/support/freePort.js';
import { factsFor, linesFor, type Language } from '../test/poe/precheck/support/corpus.js';
import { makeDocx, makeEml, makeLargePdf, makeMsg, makePdf, makePptx, makeScannedPdf, makeXlsx, renderPng } from '../test/poe/precheck/support/documents.js';
import { benchDirectory, benchPartner } from './support/benchActors.js';
import { startConnectorSink } from './support/connectorSink.js';
import { median, percentile } from './support/load.js';
import { messageTurn } from './turns.js';

// The PoE pre-check (issue 18): time per file type and per page, OCR per page, and what a check
// of a ~20 MB PDF does to the bot: the product runs in this process (startApp), the checker
// beside it as the product would run it, and a message turn is timed with and without a check
// in flight. The files are the corpus test's documents (test/poe/precheck/support).

export interface TypeRow {
  type: string;
  units: number;
  bytes: number;
  /** Per file, one entry per run. */
  runsMs: number[];
  ocr: boolean;
}

export interface TurnFigures {
  turns: number;
  p50Ms: number;
  p99Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Checks of the big PDF completed during the window. */
  checks: number;
}

export interface PrecheckBenchResult {
  types: TypeRow[];
  ocrAvailable: boolean;
  bigPdfBytes: number;
  bigPdfCheckMs: number;
  idle: TurnFigures;
  checking: TurnFigures;
}

const LANGUAGES: Language[] = ['en', 'es', 'pt-BR', 'it', 'sv'];
const pages = (count: number) => Array.from({ length: count }, (_, index) => linesFor(LANGUAGES[index % LANGUAGES.length]!, 'none'));

async function samples(ocr: boolean): Promise<{ type: string; name: string; bytes: Uint8Array }[]> {
  const lines = linesFor('en', 'none');
  const files = [
    { type: 'PDF, 1 page', name: 'one.pdf', bytes: await makePdf(pages(1)) },
    { type: 'PDF, 20 pages', name: 'twenty.pdf', bytes: await makePdf(pages(20)) },
    { type: 'PDF, 200 pages', name: 'long.pdf', bytes: await makePdf(pages(200)) },
    { type: 'DOCX', name: 'a.docx', bytes: makeDocx(pages(5).flat()) },
    { type: 'PPTX, 10 slides', name: 'a.pptx', bytes: makePptx(pages(10)) },
    { type: 'XLSX, 3 sheets', name: 'a.xlsx', bytes: makeXlsx({ One: [lines], Two: [lines], Three: [lines] }) },
    {
      type: 'EML + 2-page PDF',
      name: 'a.eml',
      bytes: makeEml({
        from: 'Jane <jane@contoso.com>',
        to: 'pmo@northwind.example',
        date: 'Thu, 12 Mar 2026 10:00:00 +0000',
        subject: 'PoE',
        body: lines.join('\n'),
        attachments: [{ name: 'sow.pdf', contentType: 'application/pdf', bytes: await makePdf(pages(2)) }],
      }),
    },
    { type: 'MSG', name: 'a.msg', bytes: makeMsg({ from: 'jane@contoso.com', senderName: 'Jane', subject: 'PoE', body: lines.join('\r\n') }) },
  ];
  if (ocr) {
    files.push({ type: 'PNG (OCR)', name: 'a.png', bytes: await renderPng(await makePdf([lines], { fontSize: 14 })) });
    files.push({ type: 'scanned PDF, 3 pages (OCR)', name: 'scan.pdf', bytes: await makeScannedPdf(pages(3)) });
  }
  return files;
}

/** Message turns, one after another every `gapMs`, for `durationMs`; latency and event-loop delay. */
async function timeTurns(turn: () => Promise<unknown>, durationMs: number, gapMs: number, busy?: () => number): Promise<TurnFigures> {
  const latencies: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const started = performance.now();
    await turn();
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  loop.disable();
  latencies.sort((a, b) => a - b);
  return {
    turns: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
    checks: busy?.() ?? 0,
  };
}

export async function runPrecheckBench(options: { runs: number; turnWindowMs: number; progress: (message: string) => void }): Promise<PrecheckBenchResult> {
  const ocrAvailable = await ocrToolsAvailable();
  const checker: PoeWorkerChecker = createPoeChecker({ clock: systemClock, timeLimitMs: 120_000 });
  const facts: PrecheckFacts = factsFor('en');
  const types: TypeRow[] = [];
  try {
    // Start the worker before timing: its start-up is once per process, not per file.
    await checker.check({ name: 'warm.pdf', contentType: '', bytes: await makePdf(pages(1)) }, facts);
    for (const sample of await samples(ocrAvailable)) {
      const row: TypeRow = { type: sample.type, units: 0, bytes: sample.bytes.length, runsMs: [], ocr: false };
      for (let run = 0; run < options.runs; run += 1) {
        const started = performance.now();
        const report = await checker.check({ name: sample.name, contentType: '', bytes: sample.bytes }, facts);
        row.runsMs.push(performance.now() - started);
        if (report.unreadable) throw new Error(`${sample.type}: unreadable (${report.unreadable})`);
        row.units = report.units;
        row.ocr = report.ocr;
      }
      options.progress(`precheck: ${sample.type}: ${median(row.runsMs).toFixed(0)} ms`);
      types.push(row);
    }

    options.progress('precheck: making a ~20 MB PDF');
    const big = await makeLargePdf(20, pages(300));
    const bigStarted = performance.now();
    const bigReport = await checker.check({ name: 'big.pdf', contentType: '', bytes: big }, facts);
    const bigPdfCheckMs = performance.now() - bigStarted;
    if (bigReport.unreadable) throw new Error(`the 20 MB PDF: unreadable (${bigReport.unreadable})`);

    // The product, in this process, with the connector stand-in; turns as a partner's message.
    const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-precheck-'));
    const sink = await startConnectorSink();
    const port = await freePort();
    const environment: NodeJS.ProcessEnv = { NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir };
    const app = await startApp({ config: loadConfig(environment), environment, directory: benchDirectory, log: () => undefined });
    const url = `${app.url}/api/messages`;
    const turn = () => messageTurn(sink, url, benchPartner(1), 'a:bench-precheck-1', 'hello');
    try {
      for (let warm = 0; warm < 20; warm += 1) await turn();
      options.progress('precheck: turns without a check');
      const idle = await timeTurns(turn, options.turnWindowMs, 20);
      options.progress('precheck: turns while the 20 MB PDF is checked again and again');
      let checks = 0;
      let stop = false;
      const background = (async () => {
        while (!stop) {
          await checker.check({ name: 'big.pdf', contentType: '', bytes: big }, facts);
          checks += 1;
        }
      })();
      const checking = await timeTurns(turn, options.turnWindowMs, 20, () => checks);
      stop = true;
      await background;
      return { types, ocrAvailable, bigPdfBytes: big.length, bigPdfCheckMs, idle, checking };
    } finally {
      await app.stop();
      await sink.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  } finally {
    await checker.close();
  }
}

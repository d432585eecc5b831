import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExtractOptions } from './extraction.js';

// OCR through Debian's command-line tools: poppler's `pdftoppm` renders a page, `tesseract`
// reads it. Both run as child processes with a timeout, in a temp folder removed afterwards.

/** Tesseract's language data for the five languages the product speaks. */
export const OCR_LANGUAGES = 'eng+spa+por+ita+swe';
/** Longest side of a rendered page, in pixels (about 200 dpi on A4): bounded whatever the MediaBox. */
const RENDER_PIXELS = 2400;

function run(command: string, args: string[], options: Pick<ExtractOptions, 'toolTimeoutMs' | 'track'>): Promise<string> {
  return new Promise((resolve, reject) => {
    // One thread per tesseract: the machine's cores belong to the bot's turns.
    const env = { ...process.env, OMP_THREAD_LIMIT: '1' };
    let child: ChildProcess | undefined = undefined;
    child = execFile(command, args, { timeout: options.toolTimeoutMs, maxBuffer: 16 * 1024 * 1024, env, encoding: 'utf8' }, (error, stdout) => {
      if (child?.pid) options.track?.child(child.pid, false);
      if (error) reject(error);
      else resolve(stdout);
    });
    if (child.pid) options.track?.child(child.pid, true);
  });
}

let available: Promise<boolean> | undefined;

/** Whether both tools are installed (asked once per process). */
export function ocrToolsAvailable(): Promise<boolean> {
  available ??= Promise.all([run('tesseract', ['--version'], { toolTimeoutMs: 10_000 }), run('pdftoppm', ['-v'], { toolTimeoutMs: 10_000 })]).then(
    () => true,
    () => false,
  );
  return available;
}

/** A temp folder for one file's OCR, removed when `work` ends however it ends. */
export async function inTempDir<T>(options: Pick<ExtractOptions, 'track'>, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cpor-ocr-'));
  options.track?.tempDir(dir, true);
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
    options.track?.tempDir(dir, false);
  }
}

export async function ocrImageFile(path: string, options: Pick<ExtractOptions, 'toolTimeoutMs' | 'track'>): Promise<string> {
  return run('tesseract', [path, 'stdout', '-l', OCR_LANGUAGES, '--psm', '3'], options);
}

/** Renders the given pages (1-based) of a PDF and reads each; returns the text per page. */
export async function ocrPdfPages(bytes: Uint8Array, pages: readonly number[], options: ExtractOptions): Promise<Map<number, string>> {
  return inTempDir(options, async (dir) => {
    const pdf = join(dir, 'file.pdf');
    await writeFile(pdf, bytes);
    const texts = new Map<number, string>();
    for (const page of pages) {
      const prefix = join(dir, `page-${page}`);
      await run('pdftoppm', ['-f', String(page), '-l', String(page), '-singlefile', '-gray', '-png', '-scale-to', String(RENDER_PIXELS), pdf, prefix], options);
      const image = (await readdir(dir)).find((name) => name.startsWith(`page-${page}.`));
      if (!image) continue;
      texts.set(page, await ocrImageFile(join(dir, image), options));
      await rm(join(dir, image), { force: true });
    }
    return texts;
  });
}

export async function ocrImageBytes(bytes: Uint8Array, extension: string, options: ExtractOptions): Promise<string> {
  return inTempDir(options, async (dir) => {
    const path = join(dir, `image.${extension}`);
    await writeFile(path, bytes);
    return ocrImageFile(path, options);
  });
}

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPolicy } from '../../services/policy.js';
import { BOT_FILE_HOSTS, DEFAULT_POE_HOSTS, PoeFileError, PoeFiles, TEAMS_FILE_DOWNLOAD_INFO, type IncomingFile } from '../../poe/poeFiles.js';
import { fileMessage, startFileHost } from '../dialogs/support/dialogHarness.js';
import { fileHostPerTest } from './support/fileHostPerTest.js';
import { storedFilesIn } from '../support/storedFiles.js';
import { FileBlobStore } from '../../storage/files/fileBlobStore.js';

// Downloading PoE: only from allowed hosts (no request otherwise), only accepted types, never
// more than the limit, stored atomically with its SHA-256.

const rules = { ...createPolicy().poe, maxBytes: 200_000 };

/** Bytes of `length` that start as the format does (and, for Office files, name its part folder). */
function fileOf(kind: 'pdf' | 'png' | 'xlsx' | 'docx', length: number): Buffer {
  const start: Record<typeof kind, Buffer> = {
    pdf: Buffer.from('%PDF-1.7\n'),
    png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    xlsx: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('xl/workbook.xml')]),
    docx: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('word/document.xml')]),
  };
  return Buffer.concat([start[kind], Buffer.alloc(Math.max(0, length - start[kind].length), 7)]);
}

describe('PoE files', () => {
  const fixture = fileHostPerTest();
  let poe: PoeFiles;

  beforeEach(() => {
    poe = new PoeFiles({ blobs: new FileBlobStore(fixture.dataDir), rules, allowedHosts: ['127.0.0.1'], allowHttp: true });
  });

  const only = (name: string, url: string): IncomingFile => {
    const { files, refused } = poe.filesIn(fileMessage(name, url));
    assert.deepEqual(refused, []);
    return files[0]!;
  };

  it('downloads from the allowed stand-in host and stores the bytes with their SHA-256', async () => {
    const bytes = fileOf('xlsx', 150_000);
    const stored = await poe.store(only('Report Q3.xlsx', fixture.host.put('r.xlsx', bytes, { chunked: true })), 'CPOR-2026-000001');
    assert.equal(stored.size, bytes.length);
    assert.equal(stored.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(stored.name, 'Report Q3.xlsx');
    assert.equal(stored.contentType, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.match(stored.storagePath, /^poe\/CPOR-2026-000001\/[0-9a-f-]{36}-Report_Q3\.xlsx$/);
    assert.deepEqual(await readFile(join(fixture.dataDir, stored.storagePath)), bytes);
    assert.deepEqual(
      (await readdir(join(fixture.dataDir, 'poe', 'CPOR-2026-000001'))).filter((name) => name.endsWith('.part')),
      [],
    );
  });

  it('refuses a host outside the allow-list without making a request', async () => {
    const url = fixture.host.put('a.pdf', Buffer.from('%PDF')).replace('127.0.0.1', 'localhost');
    const { files, refused } = poe.filesIn(fileMessage('a.pdf', url));
    assert.deepEqual(files, []);
    assert.equal(refused[0]?.problem, 'host-not-allowed');
    await assert.rejects(
      poe.store({ name: 'a.pdf', extension: 'pdf', url, kind: 'teams-file' }, 'CPOR-2026-000001'),
      (error: PoeFileError) => error.problem === 'host-not-allowed',
    );
    assert.deepEqual(fixture.host.requests, []);
  });

  it('refuses a type outside the policy before any request, and a file with no extension', async () => {
    for (const name of ['tool.exe', 'notes.txt', 'README']) {
      const { files, refused } = poe.filesIn(fileMessage(name, fixture.host.put(name, Buffer.from('x'))));
      assert.deepEqual(files, []);
      assert.equal(refused[0]?.problem, 'file-type', name);
    }
    assert.deepEqual(fixture.host.requests, []);
  });

  it('refuses an oversized file by its Content-Length and, without one, stops reading at the limit', async () => {
    const big = Buffer.alloc(rules.maxBytes + 1, 1);
    await assert.rejects(poe.store(only('big.pdf', fixture.host.put('big.pdf', big)), 'C1'), (error: PoeFileError) => error.problem === 'file-too-large');
    const huge = fileOf('pdf', rules.maxBytes * 5);
    await assert.rejects(
      poe.store(only('huge.pdf', fixture.host.put('huge.pdf', huge, { chunked: true })), 'C1'),
      (error: PoeFileError) => error.problem === 'file-too-large',
    );
    assert.deepEqual(await storedFilesIn(fixture.dataDir, 'poe'), [], 'no partial file is left behind');
  });

  it('a redirect to a host outside the allow-list is not followed', async () => {
    const other = await startFileHost();
    try {
      const target = other.put('x.pdf', Buffer.from('%PDF')).replace('127.0.0.1', 'localhost');
      const redirecting = new PoeFiles({
        blobs: new FileBlobStore(fixture.dataDir),
        rules,
        allowedHosts: ['127.0.0.1'],
        allowHttp: true,
        fetch: async () => new Response(null, { status: 302, headers: { location: target } }),
      });
      const file = { name: 'x.pdf', extension: 'pdf', url: 'http://127.0.0.1/redirect', kind: 'teams-file' as const };
      await assert.rejects(redirecting.store(file, 'C1'), (error: PoeFileError) => error.problem === 'host-not-allowed');
      assert.deepEqual(other.requests, []);
    } finally {
      await other.close();
    }
  });

  it('production defaults: https only, Teams and SharePoint hosts only', () => {
    const strict = new PoeFiles({ blobs: new FileBlobStore(fixture.dataDir), rules });
    assert.ok(DEFAULT_POE_HOSTS.includes('*.sharepoint.com'));
    for (const url of [
      'https://contoso-my.sharepoint.com/personal/pat/_layouts/15/download.aspx?UniqueId=1',
      'https://contoso.sharepoint-df.com/x.pdf',
      'https://smba.trafficmanager.net/amer/v3/attachments/0-eus-d3-abc/views/original',
      'https://us-api.asm.skype.com/v1/objects/0-eus-d1-5360/views/imgpsh_fullsize',
    ]) {
      assert.ok(strict.isAllowedUrl(url), url);
    }
    for (const url of [
      'http://contoso.sharepoint.com/x.pdf',
      'https://sharepoint.com/x.pdf',
      'https://contoso.sharepoint.com.evil.example/x.pdf',
      'https://evilsharepoint.com/x.pdf',
      'https://user:pw@contoso.sharepoint.com/x.pdf',
      'https://127.0.0.1/x.pdf',
      'file:///etc/passwd',
      'not a url',
    ]) {
      assert.ok(!strict.isAllowedUrl(url), url);
    }
  });

  it('reads pasted images (image/*) with a contentUrl as inline images', () => {
    const { files, refused } = poe.filesIn({
      attachments: [
        { contentType: 'image/png', contentUrl: 'http://127.0.0.1/v3/attachments/abc/views/original' },
        { contentType: 'image/gif', contentUrl: 'http://127.0.0.1/v3/attachments/def/views/original' },
        { contentType: 'text/html', content: '<p>hello</p>' },
      ],
    });
    assert.deepEqual(files, [{ name: 'image.png', extension: 'png', url: 'http://127.0.0.1/v3/attachments/abc/views/original', kind: 'inline-image' }]);
    assert.deepEqual(
      refused.map((error) => error.problem),
      ['file-type'],
    );
    assert.ok(PoeFiles.hasFiles({ attachments: [{ contentType: TEAMS_FILE_DOWNLOAD_INFO }] }));
    assert.ok(!PoeFiles.hasFiles({ attachments: [{ contentType: 'text/html' }] }));
  });

  it('sends the bot token to the connector for pasted images, never to SharePoint links', async () => {
    const seen: Array<string | null> = [];
    const recording = new PoeFiles({
      blobs: new FileBlobStore(fixture.dataDir),
      rules,
      allowedHosts: ['127.0.0.1', 'localhost'],
      tokenHosts: ['127.0.0.1'],
      allowHttp: true,
      fetch: async (url, init) => {
        seen.push(new Headers(init?.headers).get('authorization'));
        return new Response(fileOf(String(url).endsWith('f') ? 'pdf' : 'png', 100), { status: 200 });
      },
    });
    await recording.store({ name: 'image.png', extension: 'png', url: 'http://127.0.0.1/i', kind: 'inline-image' }, 'C1', 'Bearer t');
    await recording.store({ name: 'a.pdf', extension: 'pdf', url: 'http://127.0.0.1/f', kind: 'teams-file' }, 'C1', 'Bearer t');
    // Issue 16: an allowed download host that is not where Teams serves bot files never gets it.
    await recording.store({ name: 'image.png', extension: 'png', url: 'http://localhost/i', kind: 'inline-image' }, 'C1', 'Bearer t');
    assert.deepEqual(seen, ['Bearer t', null, null]);
    for (const host of ['smba.trafficmanager.net', 'us-api.asm.skype.com']) {
      assert.ok(
        BOT_FILE_HOSTS.some((pattern) => pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)))),
        host,
      );
    }
    assert.ok(!BOT_FILE_HOSTS.some((pattern) => /sharepoint|teams\.microsoft/.test(pattern)), 'SharePoint and other allowed hosts are not token hosts');
  });

  describe('content must match the extension (issue 16)', () => {
    const html = Buffer.from('<!DOCTYPE html><html><body><form action="https://evil.example">Sign in</form></body></html>');
    const refusedAs = async (name: string, bytes: Buffer, chunked = false) => {
      await assert.rejects(
        poe.store(only(name, fixture.host.put(name, bytes, { chunked })), 'C2'),
        (error: PoeFileError) => error.problem === 'file-type',
        name,
      );
    };

    it('refuses an HTML page named .pdf, and leaves nothing on disk', async () => {
      await refusedAs('invoice.pdf', html);
      await refusedAs('invoice.pdf', Buffer.concat([html, fileOf('pdf', 1000)]), true);
      assert.deepEqual(await storedFilesIn(fixture.dataDir, 'poe'), []);
    });

    it('refuses other formats under a borrowed extension', async () => {
      await refusedAs('photo.png', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(500)]));
      await refusedAs('scan.jpg', fileOf('png', 500));
      await refusedAs('report.pdf', fileOf('png', 500));
      await refusedAs('letter.docx', fileOf('xlsx', 500), true);
      await refusedAs('archive.xlsx', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(500)]));
      await refusedAs('mail.eml', html);
      await refusedAs('mail.eml', Buffer.from('From nowhere\n<html><body>x</body></html>'));
      await refusedAs('mail.msg', fileOf('pdf', 500));
    });

    it('takes each accepted format by its signature', async () => {
      const mail = Buffer.from('From: Dana <dana@fabrikam.com>\r\nTo: pat@contoso.com\r\nSubject: Acknowledgement\r\n\r\nSigned.\r\n');
      const msg = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600)]);
      const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600)]);
      // The Office part name falls across two 64 KB chunks of the download.
      const splitDocx = Buffer.concat([
        Buffer.from([0x50, 0x4b, 0x03, 0x04]),
        Buffer.alloc(64 * 1024 - 6),
        Buffer.from('word/document.xml'),
        Buffer.alloc(100),
      ]);
      const files: Array<[string, Buffer]> = [
        ['a.pdf', fileOf('pdf', 100)],
        ['b.png', fileOf('png', 100)],
        ['c.jpeg', jpeg],
        ['d.docx', splitDocx],
        ['e.xlsx', fileOf('xlsx', 100)],
        ['f.eml', mail],
        ['f2.eml', Buffer.concat([Buffer.from('From dana@fabrikam.com Mon Nov 23 09:00:00 2026\n'), mail])],
        ['g.msg', msg],
      ];
      for (const [name, bytes] of files) {
        const stored = await poe.store(only(name, fixture.host.put(name, bytes, { chunked: true })), 'C3');
        assert.equal(stored.size, bytes.length, name);
      }
    });
  });
});

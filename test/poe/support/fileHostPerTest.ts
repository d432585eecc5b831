import { startFileHost, tempDir, type FileHost } from '../../dialogs/support/dialogHarness.js';

/** What each test gets: a stand-in file host and an empty DATA_DIR. */
export interface FileHostFixture {
  host: FileHost;
  dataDir: string;
}

/** Starts a file host and makes a temporary DATA_DIR before each test; closes and removes them after it. */
export function fileHostPerTest(): FileHostFixture {
  const fixture = {} as FileHostFixture;
  let removeDir: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    fixture.host = await startFileHost();
    const dir = await tempDir('cpor-poe-');
    fixture.dataDir = dir.path;
    removeDir = dir.remove;
  });
  afterEach(async () => {
    await fixture.host.close();
    await removeDir?.();
  });
  return fixture;
}

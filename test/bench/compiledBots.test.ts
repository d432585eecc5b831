import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPartner } from '../../bench/support/benchActors.js';
import { startBotProcess } from '../../bench/support/botProcess.js';
import { BOTS_BUILD_DIR } from '../../bench/support/compiledBots.js';
import { startConnectorSink } from '../../bench/support/connectorSink.js';
import { messageTurn } from '../../bench/turns.js';

// The bench measures the bots as production runs the product: compiled, on node alone, not
// through the tsx loader the bench itself runs in.

describe('bench bots run compiled (compiledBots)', function () {
  this.timeout(120_000);

  it('starts the product from the compiled server with no loader, and it answers a turn', async () => {
    const sink = await startConnectorSink();
    const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-compiled-'));
    const product = await startBotProcess('product', dataDir);
    try {
      const commandLine = (await readFile(`/proc/${product.pid}/cmdline`, 'utf8')).split('\0');
      assert.ok(commandLine.includes(join(BOTS_BUILD_DIR, 'bench', 'support', 'turnServer.js')), commandLine.join(' '));
      assert.ok(!commandLine.some((argument) => argument.includes('tsx')), commandLine.join(' '));
      sink.capture(true);
      await messageTurn(sink, product.url, benchPartner(0), 'a:compiled-0', 'help');
      const replies = sink.captured().filter((request) => request.method === 'POST' && request.path.includes('/v3/conversations/a%3Acompiled-0/'));
      assert.ok(
        replies.length > 0,
        `the compiled product replied: ${sink
          .captured()
          .map((request) => request.path)
          .join(', ')}`,
      );
    } finally {
      await product.stop();
      await sink.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

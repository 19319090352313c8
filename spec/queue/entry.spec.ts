// The built myoperator-webhooks/bullmq entry, as the package's exports resolve it: require() and import() give
// the same classes (one copy of the code), with the names the entry promises.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs a script in a child process at the package root, where the package can import itself by its name. */
function run(script: string, type: 'commonjs' | 'module'): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type', type, '-e', script],
      { cwd: ROOT, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Record<string, unknown>);
      },
    );
  });
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/esm/bullmq/index.mjs'))) {
    throw new Error('dist/esm/bullmq/index.mjs is missing: run "npm run build" first');
  }
});

describe('myoperator-webhooks/bullmq (built)', () => {
  it('import()s and require()s to the same classes, by the exports of package.json', async () => {
    const result = await run(
      `
      import { createRequire } from 'node:module';
      import * as esm from 'myoperator-webhooks/bullmq';
      const require = createRequire(import.meta.url);
      const cjs = require('myoperator-webhooks/bullmq');
      console.log(JSON.stringify({
        names: Object.keys(esm).filter((name) => name !== 'default').sort(),
        same: esm.BullMQQueue === cjs.BullMQQueue && esm.QueueUnavailableError === cjs.QueueUnavailableError,
        resolved: [import.meta.resolve('myoperator-webhooks/bullmq'), require.resolve('myoperator-webhooks/bullmq')],
      }));
      `,
      'module',
    );

    expect(result).toEqual({
      names: ['BullMQQueue', 'KEEP_COMPLETED', 'QueueUnavailableError'],
      same: true,
      resolved: [`file://${join(ROOT, 'dist/esm/bullmq/index.mjs')}`, join(ROOT, 'dist/cjs/bullmq/index.js')],
    });
  });

  it('is not loaded by the main entry', async () => {
    const result = await run(
      `
      require('myoperator-webhooks');
      require('myoperator-webhooks/testing');
      const loaded = Object.keys(require.cache).filter((file) =>
        /[\\\\/]node_modules[\\\\/](bullmq|ioredis)[\\\\/]|[\\\\/]dist[\\\\/]cjs[\\\\/]bullmq[\\\\/]/.test(file),
      );
      console.log(JSON.stringify({ loaded }));
      `,
      'commonjs',
    );

    expect(result).toEqual({ loaded: [] });
  });
});

// Imported first by the example app's specs: the app imports the package by its name, which resolves to dist/
// through package.json's `exports`, so say clearly when the build is missing instead of "Cannot find module".

import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
for (const file of ['dist/cjs/index.js', 'dist/cjs/testing/index.js', 'dist/cjs/cli/index.js']) {
  if (!existsSync(join(root, file))) {
    throw new Error(
      `The example app imports "myoperator-webhooks" by name, which resolves to ${file}, and it is missing: ` +
        'run "npm run build" first (npm test builds before jest).',
    );
  }
}

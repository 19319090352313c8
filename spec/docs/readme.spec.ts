import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CALL_EVENTS } from '../../lib';
import { renderReadme } from '../../scripts/docs';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README.md', () => {
  it('has the tables generated from the code, current (regenerate with `npx tsx scripts/docs.ts`)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  it('lists every handler method of the call-state table', () => {
    for (const entry of CALL_EVENTS) expect(readme).toContain(`\`${entry.handler}\``);
  });

  it('shows the two commands a fresh clone needs', () => {
    expect(readme).toContain('npm run demo');
    expect(readme).toContain('npm test');
  });
});

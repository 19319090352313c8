import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

declare const EXPRESS_MAJOR: number;

describe('the HTTP suite', () => {
  it('runs on the Express major version its jest project names', () => {
    const entry = require.resolve('express');
    const { version } = JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { version: string };
    expect(Number(version.split('.')[0])).toBe(EXPRESS_MAJOR);
  });
});

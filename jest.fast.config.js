// `npm run test:fast`, the inner loop: the suite of jest.config.js without the specs that pack the package, drive
// a browser, load the server, break it on purpose or start a fleet of processes (pack, browser, load, fault, the
// queue's multi-process run). CI runs them all (`npm test`).

const full = require('./jest.config.js');

const SLOW_SPECS = [
  '/spec/pack/',
  '\\.browser\\.spec\\.ts$',
  '/spec/reliability/load/',
  '/spec/reliability/fault/',
  '/spec/queue/multi-process\\.spec\\.ts$',
];

/** @type {import('jest').Config} */
module.exports = {
  ...full,
  projects: full.projects.map((project) => ({
    ...project,
    testPathIgnorePatterns: [...(project.testPathIgnorePatterns ?? ['/node_modules/']), ...SLOW_SPECS],
  })),
};

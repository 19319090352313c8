// Types of scripts/test-tools.js (plain CommonJS, so that the preflight can load it before anything is installed).

/** A program found (`path`), or the one line that says what is missing and how to get it (`problem`). */
export type Found = { path: string; problem: null } | { path: null; problem: string };

/** The Chromium binaries looked for on PATH, in this order, when CHROMIUM_PATH is not set. */
export declare const CHROMIUM_NAMES: readonly string[];

/** The first executable file called `name` in the directories of `env.PATH`, or `null`. */
export declare function findOnPath(name: string, env?: NodeJS.ProcessEnv): string | null;

/** Chromium: `CHROMIUM_PATH` when set (it must be an executable file), else the first of CHROMIUM_NAMES on PATH. */
export declare function findChromium(env?: NodeJS.ProcessEnv): Found;

/** redis-server on PATH. */
export declare function findRedisServer(env?: NodeJS.ProcessEnv): Found;

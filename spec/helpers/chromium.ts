// chromiumPath(): the Chromium the browser specs launch, found where the preflight (scripts/preflight.mjs) looks.

import { findChromium } from '../../scripts/test-tools';

/**
 * The Chromium binary to launch: `CHROMIUM_PATH` when set, else the first of chromium, chromium-browser,
 * google-chrome (google-chrome-stable) on PATH. Throws one clear error saying how to get one when there is none.
 * @example const browser = await chromium.launch({ executablePath: chromiumPath() });
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const found = findChromium(env);
  if (found.path === null) throw new Error(found.problem);
  return found.path;
}

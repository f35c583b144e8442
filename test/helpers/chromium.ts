/**
 * The system's Chromium for browser tests (driven by playwright-core, which downloads no
 * browser): env CHROMIUM_PATH, else the first of chromium, chromium-browser, google-chrome on
 * PATH; undefined when there is none (Debian: `apt-get install chromium`).
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : [];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) candidates.push(path.join(dir, name));
  }
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Flags for a headless run as root in a container, with audio allowed to play without a gesture. */
export const CHROMIUM_ARGS = ['--autoplay-policy=no-user-gesture-required', '--mute-audio'];

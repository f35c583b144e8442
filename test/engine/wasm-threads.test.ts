import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { preflightThreadedWasm, wasmBundlePath } from '../../src/engine/wasm-threads.js';

describe('preflightThreadedWasm', () => {
  it('accepts the installed @tensorflow/tfjs-backend-wasm bundle', () => {
    const pre = preflightThreadedWasm();
    expect(pre.ok, pre.reason).toBe(true);
    expect(pre.prelude).toMatch(/^var require\$\$\d+=require\("fs"\);/);
    expect(pre.prelude).toContain('var commonjsGlobal=globalThis;');
  });

  it('refuses a bundle it does not recognise, so wasm falls back to one thread', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selavi-preflight-'));
    try {
      const file = path.join(dir, 'bundle.js');
      // The real bundle minus the worker's Blob import: what a changed package version might look like.
      const text = fs.readFileSync(wasmBundlePath(), 'utf8').replace('importScripts(objectUrl)', 'load(objectUrl)');
      fs.writeFileSync(file, text);
      expect(preflightThreadedWasm(file)).toEqual({ ok: false, reason: 'worker source not recognised' });
      expect(preflightThreadedWasm(path.join(dir, 'missing.js')).reason).toMatch(/^cannot read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

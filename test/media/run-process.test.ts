import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess, runTool, ToolError } from '../../src/media/run-process.js';

const node = process.execPath;

describe('runProcess', () => {
  it('feeds stdin and an extra input pipe, then closes them', async () => {
    // The child reads fd 0 and fd 3 to their ends and prints what it got.
    const script = "const fs=require('fs');const a=fs.readFileSync(0);const b=fs.readFileSync(3);process.stdout.write(a.length+' '+b.length+' '+a[0]+' '+b[b.length-1])";
    const res = await runProcess(node, ['-e', script], { timeoutMs: 20_000, fds: { 1: { maxBytes: 100 } }, inputs: { 0: new Uint8Array([7, 8, 9]), 3: new Uint8Array(100_000).fill(5) } });
    expect(res.code).toBe(0);
    expect(Buffer.from(res.outputs[1].data.subarray(0, res.outputs[1].length)).toString()).toBe('3 100000 7 5');
  });

  it('runs in the given working directory with the given environment', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'selavi-run-'));
    const res = await runProcess(node, ['-e', 'process.stdout.write(process.cwd()+"|"+process.env.SELAVI_PROBE)'], { timeoutMs: 20_000, fds: { 1: { maxBytes: 1000 } }, cwd: dir, env: { SELAVI_PROBE: 'x1' } });
    expect(Buffer.from(res.outputs[1].data.subarray(0, res.outputs[1].length)).toString()).toBe(`${dir}|x1`);
  });

  it.skipIf(process.platform === 'win32')('limits the address space with memoryLimitMb, keeping the extra pipes, and still says ENOENT', async () => {
    // The limit reaches the child (its own RLIMIT_AS, read back), fd 3 still works through the shell's exec.
    const limits = await runProcess('/bin/sh', ['-c', 'ulimit -v; echo x >&3'], { timeoutMs: 20_000, memoryLimitMb: 512, fds: { 1: { maxBytes: 100 }, 3: { maxBytes: 10 } } });
    expect(Buffer.from(limits.outputs[1].data.subarray(0, limits.outputs[1].length)).toString().trim()).toBe(String(512 * 1024));
    expect(Buffer.from(limits.outputs[3].data.subarray(0, limits.outputs[3].length)).toString()).toBe('x\n');
    // A refused allocation is reported as such.
    const hungry = await runProcess('/bin/sh', ['-c', 'echo "Cannot allocate memory" >&2; exit 1'], { timeoutMs: 20_000, memoryLimitMb: 512, fds: {} });
    expect(hungry.memoryExhausted).toBe(true);
    const plain = await runProcess('/bin/sh', ['-c', 'echo "Cannot allocate memory" >&2; exit 1'], { timeoutMs: 20_000, fds: {} });
    expect(plain.memoryExhausted, 'without a limit the same words are just an error').toBe(false);
    await expect(runProcess('/nonexistent/ffmpeg', [], { timeoutMs: 20_000, memoryLimitMb: 512, fds: {} })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('runTool', () => {
  it('resolves with stdout when the program succeeds', async () => {
    const { stdout } = await runTool(node, ['-e', 'process.stdout.write("ok")'], { stdoutBytes: 16 });
    expect(Buffer.from(stdout).toString()).toBe('ok');
  });

  it('rejects with the program name, exit status and stderr tail when it fails', async () => {
    const err = await runTool(node, ['-e', 'console.error("line 1\\nbad input"); process.exit(3)']).catch((e) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toBe(`${path.basename(node)} exited with 3: line 1 | bad input`);
    expect(err.stderr).toMatch(/bad input/);
  });

  it('says ENOENT when the program is not installed, and refuses more stdout than asked for', async () => {
    const missing = await runTool('/nonexistent/espeak-ng', []).catch((e) => e);
    expect(missing).toBeInstanceOf(ToolError);
    expect(missing.code).toBe('ENOENT');
    await expect(runTool(node, ['-e', 'process.stdout.write("x".repeat(100))'], { stdoutBytes: 10 })).rejects.toThrow(/more than 10 bytes on stdout/);
  });
});

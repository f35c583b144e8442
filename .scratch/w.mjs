import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
const { ONNX_WORKER_SOURCE } = await import('../src/models/onnx/onnx-worker-source.ts');

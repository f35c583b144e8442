/**
 * The thread that runs onnxruntime (eval'd: plain JS, so it loads the same way from src/ under
 * tsx or vitest and from dist/). onnxruntime-node's `session.run` is synchronous on the calling
 * thread; here it blocks this thread, not the main one, which goes on decoding the next clips.
 *
 * Messages in: { op: 'create', model, provider, threads } then { op: 'run', id, feeds: {name: [data, dims]} };
 * out: { op: 'ready' } | { op: 'out', id, outputs: {name: data} } | { op: 'error', id?, message }.
 */
export const ONNX_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
// Errors reach the caller as exceptions; onnxruntime's own log would print them a second time.
ort.env.logLevel = 'fatal';
let session;
const fail = (id, e) => parentPort.postMessage({ op: 'error', id, message: String((e && e.message) || e) });
parentPort.on('message', async (m) => {
  if (m.op === 'create') {
    try {
      session = await ort.InferenceSession.create(new Uint8Array(m.model), {
        executionProviders: [m.provider],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        ...(m.threads ? { intraOpNumThreads: m.threads } : {}),
        ...(m.spin === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
      });
      parentPort.postMessage({ op: 'ready' });
    } catch (e) {
      fail(undefined, e);
    }
  } else if (m.op === 'run') {
    try {
      const feeds = {};
      for (const [name, [data, dims]] of Object.entries(m.feeds)) feeds[name] = new ort.Tensor('float32', data, dims);
      const out = await session.run(feeds);
      const outputs = {};
      const transfer = [];
      for (const [name, t] of Object.entries(out)) {
        const data = t.data.slice();
        outputs[name] = data;
        transfer.push(data.buffer);
        t.dispose();
      }
      parentPort.postMessage({ op: 'out', id: m.id, outputs }, transfer);
    } catch (e) {
      fail(m.id, e);
    }
  }
});
`;

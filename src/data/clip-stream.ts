/**
 * Streams decoded clips with back-pressure: N decoders in parallel and a bounded queue of finished
 * clips, so at most `concurrency + queue` clips are alive at once (plus the one the consumer holds)
 * whatever the number of items. Nothing is started ahead of the consumer beyond that bound.
 */
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import type { MediaInfo } from '../media/probe.js';
import type { DecodeOptions } from '../media/decode-options.js';
import { InputError } from '../errors.js';
import type { DecodedClip, SkippedItem } from './types.js';

/** Parallelism and buffering of a stream. */
export interface StreamOptions {
  /** Tasks running at once. Default: available cores. */
  concurrency?: number;
  /** Finished results held waiting for the consumer (and, when ordered, for earlier items). Default: `concurrency`. */
  queue?: number;
  /** Yield in input order (true, default) or in completion order (false: no head-of-line blocking). */
  ordered?: boolean;
  /** Stops starting tasks and aborts running ones. */
  signal?: AbortSignal;
}

/** One finished task. */
export type Settled<I, O> =
  | { ok: true; index: number; item: I; value: O }
  | { ok: false; index: number; item: I; error: unknown };

/** Cores available to this process (Node's `availableParallelism`, else the CPU count). */
export function defaultConcurrency(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/**
 * Maps `fn` over `items` with bounded parallelism and bounded buffering; never throws for a
 * failing task (the failure is yielded as `ok: false`). Items may be a lazy (async) iterable, so a
 * list of any length is never materialised. Breaking out of the loop aborts running tasks.
 */
export async function* parallelMap<I, O>(
  items: Iterable<I> | AsyncIterable<I>,
  fn: (item: I, index: number, signal: AbortSignal) => Promise<O>,
  opts: StreamOptions = {},
): AsyncGenerator<Settled<I, O>, void, undefined> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? defaultConcurrency()));
  const queue = Math.max(0, Math.floor(opts.queue ?? concurrency));
  const limit = concurrency + queue;
  const ordered = opts.ordered ?? true;
  const abort = new AbortController();
  // Each running task may listen for abort (ffmpeg kill): more than Node's default 10 is expected.
  setMaxListeners(concurrency + 16, abort.signal);
  const onOuterAbort = () => abort.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const it: Iterator<I> | AsyncIterator<I> =
    Symbol.asyncIterator in Object(items) ? (items as AsyncIterable<I>)[Symbol.asyncIterator]() : (items as Iterable<I>)[Symbol.iterator]();
  const byIndex = new Map<number, Settled<I, O>>(); // ordered: finished, waiting for their turn
  const fifo: Settled<I, O>[] = []; // unordered: finished, in completion order
  let inFlight = 0;
  let started = 0;
  let nextToEmit = 0;
  let exhausted = false;
  let wake: (() => void) | undefined;
  const buffered = () => (ordered ? byIndex.size : fifo.length);

  const settle = (s: Settled<I, O>) => {
    inFlight--;
    if (ordered) byIndex.set(s.index, s);
    else fifo.push(s);
    const w = wake;
    wake = undefined;
    w?.();
  };
  const launch = (item: I, index: number) => {
    inFlight++;
    // Wrapped so a throwing (even synchronously throwing) fn becomes a settled failure.
    Promise.resolve()
      .then(() => fn(item, index, abort.signal))
      .then(
        (value) => settle({ ok: true, index, item, value }),
        (error: unknown) => settle({ ok: false, index, item, error }),
      );
  };

  try {
    for (;;) {
      while (!exhausted && !abort.signal.aborted && inFlight < concurrency && inFlight + buffered() < limit) {
        const r = await it.next();
        if (r.done) exhausted = true;
        else launch(r.value, started++);
      }
      if (ordered) {
        const s = byIndex.get(nextToEmit);
        if (s) {
          byIndex.delete(nextToEmit++);
          yield s;
          continue;
        }
      } else if (fifo.length) {
        yield fifo.shift()!;
        continue;
      }
      if (inFlight === 0 && (exhausted || abort.signal.aborted)) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    abort.abort(); // early exit by the consumer: kill what is still running
    if (!exhausted) await it.return?.();
  }
}

/** One clip to decode. */
export interface ClipRequest {
  path: string;
  /** Start, seconds. */
  start: number;
  /** Probe result, when known (saves an ffprobe per clip). */
  media?: MediaInfo;
}

/** A clip decoder: the real one spawns ffmpeg; tests inject fakes. */
export type ClipDecoder = (req: ClipRequest, signal: AbortSignal) => Promise<DecodedClip>;

/** Options of {@link clipStream}. */
export interface ClipStreamOptions extends StreamOptions {
  /** Decoder; default: `decodeClip` (ffmpeg) with `decodeOptions`. */
  decode?: ClipDecoder;
  /** Options for the default decoder. */
  decodeOptions?: Partial<DecodeOptions>;
  /** Called once per request that failed with bad input (an `InputError`); the stream goes on. */
  onSkip?: (skipped: SkippedItem, req: ClipRequest) => void;
}

/**
 * Decoded clips for `requests`, with back-pressure (see {@link parallelMap}). A request whose file
 * is bad (`InputError`, e.g. `MediaDecodeError`) is reported through `onSkip` and left out; any
 * other error is a bug and ends the stream by throwing.
 */
export async function* clipStream(
  requests: Iterable<ClipRequest> | AsyncIterable<ClipRequest>,
  opts: ClipStreamOptions = {},
): AsyncGenerator<DecodedClip, void, undefined> {
  let decode = opts.decode;
  if (!decode) {
    const { decodeClip } = await import('../media/decode-clip.js');
    const decodeOptions = opts.decodeOptions;
    decode = (req, signal) => decodeClip(req.path, req.start, decodeOptions, { media: req.media, signal });
  }
  for await (const s of parallelMap(requests, (req, _i, signal) => decode(req, signal), opts)) {
    if (s.ok) yield s.value;
    else if (opts.signal?.aborted) continue; // cancelled by the caller: not the file's fault
    else if (s.error instanceof InputError) opts.onSkip?.({ path: s.item.path, reason: s.error.reason }, s.item);
    else throw s.error;
  }
}

// Micro-benchmark: reading a webhook body as text, the package's own reader (`lib/node/read-body.ts`, used for a
// UTF-8 body without Content-Encoding) against body-parser's `text()` and `raw()` with the same limit, on
// in-memory request streams (a Readable with the headers of MyOperator's form post), so that only the reading is
// timed, not Node's HTTP parser. In CPU ns per body. Alone: `npx tsx bench/micro/read-body.ts`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

import bodyParser from 'body-parser';

import { readBody } from '../../lib/node/read-body';
import { buildInCallLog } from '../../lib/testing';
import { BODY_LIMIT_BYTES, envNumber, formatInteger, isQuickMode, measureRates, type Rates } from '../common';

export interface ReadBodyResult {
  variant: string;
  rates: Rates;
  nsPerBody: number;
}

const BATCH = 100;

/** The body of a typical in-call webhook: `myoperator=<call log JSON>`, form-encoded, one chunk as Node hands it. */
const BODY = Buffer.from(`myoperator=${encodeURIComponent(JSON.stringify(buildInCallLog({ call_state: '6' })))}`);
const HEADERS = {
  'content-type': 'application/x-www-form-urlencoded',
  'content-length': String(BODY.length),
};
// Neither reader writes to the response on success.
const RES = Object.create(null) as ServerResponse;

/** A request stream that hands over the body in one chunk, as Node's HTTP parser does for a small body. */
class BodyStream extends Readable {
  readonly headers = HEADERS;
  readonly method = 'POST';
  readonly url = '/hook';
  override _read(): void {
    this.push(BODY);
    this.push(null);
  }
}

function request(): IncomingMessage {
  return new BodyStream() as unknown as IncomingMessage;
}

type Reader = (req: IncomingMessage) => Promise<number>;

const own: Reader = (req) =>
  new Promise((resolve, reject) => {
    readBody(req, RES, BODY_LIMIT_BYTES, (error, text) => (error ? reject(error) : resolve(text.length)));
  });

function fromMiddleware(middleware: ReturnType<typeof bodyParser.text>): Reader {
  return (req) =>
    new Promise((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- body-parser types req as its own IncomingMessage import; it is Node's
      middleware(req, RES, (error?: unknown) => {
        const body: unknown = Reflect.get(req, 'body');
        if (error) reject(error instanceof Error ? error : new Error('body-parser failed'));
        else
          resolve(typeof body === 'string' ? body.length : Buffer.isBuffer(body) ? body.toString('utf8').length : -1);
      });
    });
}

const text = fromMiddleware(bodyParser.text({ type: () => true, limit: BODY_LIMIT_BYTES, defaultCharset: 'utf-8' }));
const raw = fromMiddleware(bodyParser.raw({ type: () => true, limit: BODY_LIMIT_BYTES }));

function batchOf(reader: Reader): () => Promise<void> {
  return async () => {
    const reads: Promise<number>[] = [];
    for (let i = 0; i < BATCH; i++) reads.push(reader(request()));
    for (const length of await Promise.all(reads)) {
      if (length !== BODY.length) throw new Error(`read ${length} characters, expected ${BODY.length}`);
    }
  };
}

/** Building the stream alone: the part of every figure that is the benchmark's, not the reader's. */
async function streamsOnly(): Promise<void> {
  const reads: Promise<void>[] = [];
  for (let i = 0; i < BATCH; i++) {
    const req = request();
    reads.push(
      new Promise((resolve) => {
        req.on('data', () => undefined);
        req.on('end', resolve);
      }),
    );
  }
  await Promise.all(reads);
}

export async function runReadBody(): Promise<ReadBodyResult[]> {
  const quick = isQuickMode();
  const runs = envNumber('BENCH_MICRO_RUNS', quick ? 3 : 7);
  const seconds = envNumber('BENCH_MICRO_SECONDS', quick ? 0.2 : 1);
  const results: ReadBodyResult[] = [];
  const measure = async (variant: string, batch: () => Promise<void>): Promise<void> => {
    const rates = await measureRates(batch, BATCH, runs, seconds);
    results.push({ variant, rates, nsPerBody: 1e9 / rates.perCpuSecond });
  };
  // Interleaved three times, so a change in the machine's load shows as a difference between the two rounds.
  for (let round = 1; round <= 3; round++) {
    await measure(`stream alone (round ${round})`, streamsOnly);
    await measure(`readBody, own reader (round ${round})`, batchOf(own));
    await measure(`body-parser text() (round ${round})`, batchOf(text));
    await measure(`body-parser raw() + toString (round ${round})`, batchOf(raw));
  }
  return results;
}

export function printReadBodyResults(results: readonly ReadBodyResult[]): void {
  console.log(`reading a ${BODY.length}-byte form body (in-memory stream, CPU ns per body, medians):`);
  for (const { variant, nsPerBody } of results) {
    console.log(`  ${variant.padEnd(44)} ${formatInteger(nsPerBody).padStart(7)} ns/body`);
  }
}

if (require.main === module) {
  runReadBody().then(printReadBodyResults, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

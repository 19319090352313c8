// Reading a Fetch API request body with Web-standard APIs only: the stream read chunk by chunk with the limit
// enforced while reading, gzip/deflate inflated with DecompressionStream, UTF-8 decoded with TextDecoder.

import { MyOperatorWebhookError } from '../core/errors';

const tooLarge = (): MyOperatorWebhookError => new MyOperatorWebhookError('payload_too_large');
const unreadable = (cause: unknown): MyOperatorWebhookError =>
  new MyOperatorWebhookError('missing_call_log', { hint: 'unreadable_body', cause });

function charsetOf(contentType: string | null): string | null {
  if (contentType === null) return null;
  const at = contentType.toLowerCase().indexOf('charset=');
  if (at < 0) return null;
  return (contentType.slice(at + 8).split(';')[0] ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
}

const INFLATED: ReadonlySet<string> = new Set(['gzip', 'deflate']);

/** The body's text, at most `limit` bytes (after inflating); rejects with the documented code. */
export async function readRequestText(request: Request, limit: number): Promise<string> {
  const charset = charsetOf(request.headers.get('content-type'));
  if (charset !== null && charset !== 'utf-8' && charset !== 'utf8') {
    throw new MyOperatorWebhookError('unsupported_media_type');
  }
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  const body = request.body;
  if (body === null) return '';
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  let stream: ReadableStream<Uint8Array> = body;
  if (encoding !== 'identity') {
    if (!INFLATED.has(encoding)) throw new MyOperatorWebhookError('unsupported_media_type');
    stream = body.pipeThrough(new DecompressionStream(encoding as 'gzip' | 'deflate'));
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      if (received > limit) {
        reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof MyOperatorWebhookError) throw error;
    throw unreadable(error);
  }
  const decoder = new TextDecoder();
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const whole = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  return decoder.decode(whole);
}

/**
 * Token counting with OpenAI's `o200k_base` encoding (gpt-4o, gpt-4.1, o-series, gpt-5), with the
 * ranks of `js-tiktoken` (a pure-JavaScript port of tiktoken whose encodings ship inside the package)
 * and a counter of its own (`bpe-counter.ts`) that counts as `js-tiktoken` encodes, in less memory.
 *
 * For OpenAI models the counts of text are what the API bills. For Anthropic models (and any other
 * provider) they are an estimate: Anthropic's tokenizer is not public, differs, and may count more
 * tokens for the same text than this does. Budgets reserve with these counts before a call, so for
 * those models a reservation is an estimate too; the provider's reported usage is what a call costs.
 *
 * A request counts, all with the same encoding and all additively (each part adds the same whatever
 * the rest is): every message's framing, role, text, `name`, tool calls (name and arguments) and
 * `tool_call_id`; the tool definitions (name, description and parameters schema as JSON); the
 * `json_schema` response format (name, description and schema as JSON). JSON is counted as it is
 * written, which is more than the more compact form OpenAI renders tools in: an over-count.
 *
 * Images are counted by a rule, since a URL's image is not seen before the call: `detail: 'low'` is
 * 85 tokens (OpenAI's published rule); any other image 1,600 tokens, the most one image is for
 * OpenAI's tile-priced models (85 + 170 per 512-pixel tile, at most 8 tiles: 1,445) and for
 * Anthropic (about width × height / 750, at most about 1,600 for the 1.15 megapixels it keeps).
 * Two kinds of models bill more than the rule: OpenAI models that count image tokens at a multiple
 * (gpt-4o-mini: 2,833 for a low-detail image; gpt-4.1-mini and -nano, o4-mini: 1.6 to 2.5 times),
 * and Anthropic for a `low` image (it has no low detail). For them the reservation is short, and
 * the call is charged what the provider reports.
 *
 * Text passes through and is never logged or kept: the encoder holds no cache of what it read.
 */
import { createRequire } from 'node:module';
import type { TiktokenBPE } from 'js-tiktoken/lite';
import { contentImages, contentText } from '../llm/content';
import type { ChatMessage, ImagePart, LlmRequest, ResponseFormat, ToolDefinition } from '../llm/request';
import { BpeCounter } from './bpe-counter';

/** Tokens that frame each message in OpenAI's chat format (`<|start|>{role}<|message|>…<|end|>`). */
export const TOKENS_PER_MESSAGE = 3;

/** Tokens that prime the reply (`<|start|>assistant<|message|>`), counted once per request. */
export const REPLY_PRIMING_TOKENS = 3;

/** Tokens of a message's `name` besides its text (OpenAI's count). */
export const TOKENS_PER_NAME = 1;

/** Tokens that frame a request's tool definitions, once, and each tool among them (OpenAI's count). */
export const TOOLS_FRAMING_TOKENS = 12;
export const TOKENS_PER_TOOL = 7;

/** Tokens of an image part with `detail: 'low'`, and of any other image part (see the module's comment). */
export const LOW_DETAIL_IMAGE_TOKENS = 85;
export const IMAGE_TOKENS = 1600;

/**
 * Longest run of one character class (letters, whitespace, or punctuation and symbols) encoded in
 * one piece. The byte-pair merge is quadratic or worse in the length of a piece: 20,000
 * spaces take close to a minute, a 1,000-character run of Chinese without punctuation more than a
 * second, all on the event loop. Longer runs are encoded in slices of this many code points, which
 * keeps the cost linear and shifts the count by at most about one token per slice.
 */
const MAX_RUN = 32;

const LONG_RUN = new RegExp(
  `\\s{${MAX_RUN + 1},}|[\\p{L}\\p{M}]{${MAX_RUN + 1},}|[^\\s\\p{L}\\p{N}]{${MAX_RUN + 1},}`,
  'gu',
);
const RUN_SLICE = new RegExp(`[\\s\\S]{1,${MAX_RUN}}`, 'gu');

// The ranks are loaded with `require` because the project's `node10` module resolution does not
// see the package's `exports` subpaths.
const requireFromHere = createRequire(__filename);

let counter: BpeCounter | undefined;

/**
 * The `o200k_base` counter, built on the first count rather than at start, so that a worker is ready
 * sooner and holds no tokenizer until its first call. A count made before it is built waits for it
 * (about 0.2 s, once): counts are always exact, never estimated.
 */
function getCounter(): BpeCounter {
  counter ??= BpeCounter.fromRanks(requireFromHere('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
  return counter;
}

/** Whether the encoding is built yet: it is on the first count, not before. */
export function tokenizerLoaded(): boolean {
  return counter !== undefined;
}

/**
 * Number of `o200k_base` tokens in `text`. Exact for OpenAI models, except inside runs of more
 * than 32 letters, spaces or symbols in a row, which are counted in slices (see `MAX_RUN`); an
 * estimate for other providers (see the module's comment).
 */
export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  const bpe = getCounter();
  let total = 0;
  let start = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    total += bpe.count(text.slice(start, run.index));
    for (const slice of run[0].match(RUN_SLICE) ?? []) total += bpe.count(slice);
    start = run.index + run[0].length;
  }
  return total + bpe.count(text.slice(start));
}

const ROLES: readonly string[] = [
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
] satisfies ChatMessage['role'][];
const roleTokens = new Map<string, number>();

function countRoleTokens(role: string): number {
  let tokens = roleTokens.get(role);
  if (tokens === undefined) {
    tokens = countTextTokens(role);
    // Only the known roles are remembered: nothing a caller sends is kept.
    if (ROLES.includes(role)) roleTokens.set(role, tokens);
  }
  return tokens;
}

function countJsonTokens(value: unknown): number {
  return value === undefined ? 0 : countTextTokens(JSON.stringify(value));
}

function countImageTokens(images: readonly ImagePart[]): number {
  return images.reduce(
    (total, image) => total + (image.image_url.detail === 'low' ? LOW_DETAIL_IMAGE_TOKENS : IMAGE_TOKENS),
    0,
  );
}

/** Tokens one message adds to a request (see the module's comment for what counts). */
function countOneMessage(message: ChatMessage): number {
  let tokens =
    TOKENS_PER_MESSAGE +
    countRoleTokens(message.role) +
    countTextTokens(contentText(message.content)) +
    countImageTokens(contentImages(message.content));
  if ('name' in message && message.name !== undefined)
    tokens += TOKENS_PER_NAME + countTextTokens(message.name);
  if (message.role === 'tool') tokens += countTextTokens(message.tool_call_id);
  if (message.role === 'assistant') {
    for (const call of message.tool_calls ?? []) {
      tokens +=
        TOKENS_PER_MESSAGE + countTextTokens(call.function.name) + countTextTokens(call.function.arguments);
    }
  }
  return tokens;
}

/**
 * Prompt tokens of a chat request's messages, counted as OpenAI documents it for its chat models: 3
 * tokens per message plus the tokens of its role and content, plus 3 that prime the reply; and what
 * the module's comment lists besides text. The count is additive: each message adds the same amount
 * whatever the other messages are.
 *
 * For Anthropic models this is an estimate (its tokenizer and message framing differ, and it may
 * count more); budgets reserve with it before the call all the same.
 */
export function countMessageTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((total, message) => total + countOneMessage(message), REPLY_PRIMING_TOKENS);
}

/** Tokens of a request's tool definitions: name, description and parameters schema as JSON, each framed. */
export function countToolTokens(tools: readonly ToolDefinition[] | undefined): number {
  if (tools === undefined || tools.length === 0) return 0;
  return tools.reduce(
    (total, { function: tool }) =>
      total +
      TOKENS_PER_TOOL +
      countTextTokens(tool.name) +
      countTextTokens(tool.description ?? '') +
      countJsonTokens(tool.parameters),
    TOOLS_FRAMING_TOKENS,
  );
}

/** Tokens of a `json_schema` response format (name, description, schema as JSON, framed as a message); else 0. */
export function countResponseFormatTokens(format: ResponseFormat | undefined): number {
  if (format?.type !== 'json_schema') return 0;
  const { name, description, schema } = format.json_schema;
  return (
    TOKENS_PER_MESSAGE + countTextTokens(name) + countTextTokens(description ?? '') + countJsonTokens(schema)
  );
}

/** Prompt tokens of a request: its messages, tool definitions and response schema. */
export function countRequestTokens(
  request: Pick<LlmRequest, 'messages' | 'tools' | 'response_format'>,
): number {
  return (
    countMessageTokens(request.messages) +
    countToolTokens(request.tools) +
    countResponseFormatTokens(request.response_format)
  );
}

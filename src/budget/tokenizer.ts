/**
 * Token counting with OpenAI's `o200k_base` encoding (gpt-4o, gpt-4.1, o-series, gpt-5), through
 * `js-tiktoken`, a pure-JavaScript port of tiktoken whose encodings ship inside the package.
 *
 * For OpenAI models the counts are what the API bills. For Anthropic models (and any other
 * provider) they are an estimate: Anthropic's tokenizer is not public, differs, and may count more
 * tokens for the same text than this does. Budgets reserve with these counts before a call, so for
 * those models a reservation is an estimate too; the provider's reported usage is what a call costs.
 *
 * Text passes through and is never logged or kept: the encoder holds no cache of what it read.
 */
import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { contentText } from '../llm/content';
import type { ChatMessage } from '../llm/request';

/** Tokens that frame each message in OpenAI's chat format (`<|start|>{role}<|message|>…<|end|>`). */
export const TOKENS_PER_MESSAGE = 3;

/** Tokens that prime the reply (`<|start|>assistant<|message|>`), counted once per request. */
export const REPLY_PRIMING_TOKENS = 3;

/**
 * Longest run of one character class (letters, whitespace, or punctuation and symbols) encoded in
 * one piece. js-tiktoken's byte-pair merge is quadratic or worse in the length of a piece: 20,000
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
// see the package's `exports` subpaths; loading on first use also keeps 2 MB out of start-up.
const requireFromHere = createRequire(__filename);

let encoder: Tiktoken | undefined;

function getEncoder(): Tiktoken {
  if (encoder === undefined) {
    const ranks = requireFromHere('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
    encoder = new Tiktoken(ranks);
  }
  return encoder;
}

/**
 * Loads the `o200k_base` encoding now instead of on the first count. The first load takes about
 * half a second; call this at worker start so that no LLM call pays for it. Idempotent.
 */
export function loadTokenizer(): void {
  getEncoder();
}

function encodedLength(tiktoken: Tiktoken, text: string): number {
  // No special tokens: `<|endoftext|>` in user text is counted as the plain text it is.
  return text.length === 0 ? 0 : tiktoken.encode(text, [], []).length;
}

/**
 * Number of `o200k_base` tokens in `text`. Exact for OpenAI models, except inside runs of more
 * than 32 letters, spaces or symbols in a row, which are counted in slices (see `MAX_RUN`); an
 * estimate for other providers (see the module's comment).
 */
export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  const tiktoken = getEncoder();
  let total = 0;
  let start = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    total += encodedLength(tiktoken, text.slice(start, run.index));
    for (const slice of run[0].match(RUN_SLICE) ?? []) total += encodedLength(tiktoken, slice);
    start = run.index + run[0].length;
  }
  return total + encodedLength(tiktoken, text.slice(start));
}

const ROLES: readonly string[] = ['system', 'user', 'assistant'] satisfies ChatMessage['role'][];
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

/**
 * Prompt tokens of a chat request, counted as OpenAI documents it for its chat models: 3 tokens
 * per message plus the tokens of its role and content, plus 3 that prime the reply. The count is
 * additive: each message adds the same amount whatever the other messages are.
 *
 * For Anthropic models this is an estimate (its tokenizer and message framing differ, and it may
 * count more); budgets reserve with it before the call all the same.
 */
export function countMessageTokens(messages: readonly ChatMessage[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    total +=
      TOKENS_PER_MESSAGE + countRoleTokens(message.role) + countTextTokens(contentText(message.content));
  }
  return total;
}

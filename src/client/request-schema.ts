/**
 * The one schema of an `LlmRequest` (`src/llm/request.ts` is the contract: the shape below must name
 * every field of it, and its output must be one): a submit and a dead-letter replay both check a
 * request with it. Strict everywhere: a key it does not know is refused, naming it.
 */
import { z } from 'zod';
import { PROVIDER_NAME } from '../config';
import { REASONING_EFFORTS, type LlmRequest } from '../llm/request';
import { jsonObject } from './json-object';
import { closedObject, identifier, messagesSchema, text } from './message-schema';
import { requestRuleProblem } from './request-rules';

/** The most tools one request may offer (OpenAI's limit). */
const MAX_TOOLS = 128;
/** The longest `user` (Anthropic's limit for `metadata.user_id`). */
const MAX_USER_CHARS = 256;

export const providerName = z
  .string()
  .regex(PROVIDER_NAME, 'must be a configured provider name (lowercase letters, digits, - and _)');
export const modelName = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

const tool = closedObject({
  type: z.literal('function', { error: 'must be function' }),
  function: closedObject({
    name: identifier,
    description: text.optional(),
    parameters: jsonObject.optional(),
    strict: z.boolean().optional(),
  }),
});

const TOOL_CHOICES = "must be 'none', 'auto', 'required' or { type: 'function', function: { name } }";
const toolChoice = z.union(
  [
    z.enum(['none', 'auto', 'required'], { error: TOOL_CHOICES }),
    closedObject({ type: z.literal('function'), function: closedObject({ name: identifier }) }),
  ],
  { error: TOOL_CHOICES },
);

const responseFormat = z.discriminatedUnion(
  'type',
  [
    closedObject({ type: z.literal('text') }),
    closedObject({ type: z.literal('json_object') }),
    closedObject({
      type: z.literal('json_schema'),
      json_schema: closedObject({
        name: identifier,
        description: text.optional(),
        schema: jsonObject,
        strict: z.boolean().optional(),
      }),
    }),
  ],
  { error: 'must be a response format of type text, json_object or json_schema' },
);

const maxTokens = z
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(1_000_000, 'must be at most 1,000,000');

const stopSequence = z.string().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters');

const between = (min: number, max: number) =>
  z.number().min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`);

/** Every field of `LlmRequest` but its provider options (which may not repeat these). */
const fieldShape = {
  provider: providerName,
  model: modelName,
  messages: messagesSchema,
  tools: z.array(tool).max(MAX_TOOLS, `must hold at most ${MAX_TOOLS} tools`).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  max_tokens: maxTokens.optional(),
  max_completion_tokens: maxTokens.optional(),
  temperature: between(0, 2).optional(),
  top_p: between(0, 1).optional(),
  stop: z
    .union([stopSequence, z.array(stopSequence).max(4, 'must hold at most 4 sequences')], {
      error: 'must be a string or an array of at most 4 strings',
    })
    .optional(),
  seed: z.number().int('must be an integer').optional(),
  reasoning_effort: z
    .enum(REASONING_EFFORTS, { error: `must be ${REASONING_EFFORTS.join(', ')}` })
    .optional(),
  user: z.string().max(MAX_USER_CHARS, `must be at most ${MAX_USER_CHARS} characters`).optional(),
  stream: z.boolean().optional(),
} satisfies Record<Exclude<keyof LlmRequest, 'providerOptions'>, z.ZodType>;

/**
 * Why a provider's options may not set a key: what the request names itself is set there (where
 * budgets and adapters see it); `n` would ask for several answers where budgets reserve one, and
 * Anthropic's `system` would add a prompt the tokenizer does not count.
 */
const RESERVED_OPTIONS = new Map<string, string>([
  ...Object.keys(fieldShape).map((key): [string, string] => [
    key,
    `is a field of the request: set request.${key}`,
  ]),
  ['n', 'is not allowed: budgets reserve one answer per call'],
  ['system', 'is not allowed: put system prompts in request.messages, where budgets count them'],
]);

const passThroughOptions = jsonObject.superRefine((options, context) => {
  const reserved = Object.keys(options).find((key) => RESERVED_OPTIONS.has(key));
  if (reserved !== undefined) {
    context.addIssue({ code: 'custom', path: [reserved], message: RESERVED_OPTIONS.get(reserved) ?? '' });
  }
});

const providerOptions = closedObject({
  openai: passThroughOptions.optional(),
  anthropic: passThroughOptions.optional(),
});

/** An `LlmRequest`, every field checked; the rules across fields (`request-rules.ts`) run once the fields pass. */
export const requestSchema: z.ZodType<LlmRequest> = closedObject({
  ...fieldShape,
  providerOptions: providerOptions.optional(),
}).superRefine((request, context) => {
  const problem = requestRuleProblem(request);
  if (problem) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
});

/**
 * The messages of a request, checked by role (`src/llm/request.ts` is the contract): content as a
 * string or parts, images in user messages only, tool calls on assistant messages, a `tool_call_id`
 * on tool messages. How messages relate to each other is checked in `request-rules.ts`.
 */
import { z } from 'zod';
import { imageUrl } from './image-url';

/** The most characters of one text: a content string, a text part, a tool call's arguments. */
const MAX_TEXT_CHARS = 1_000_000;
const MAX_MESSAGES = 1000;

const TOO_LONG = 'must be at most 1,000,000 characters';

/** Any text of a request, empty or not. */
export const text = z.string().max(MAX_TEXT_CHARS, TOO_LONG);
const nonEmptyText = z.string().min(1, 'must not be empty').max(MAX_TEXT_CHARS, TOO_LONG);

/** Tool, function and schema names, and authors' names, as OpenAI and Anthropic both take them. */
export const identifier = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

/** An object that refuses keys it does not know (the refusal names the key). */
export const closedObject = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.strictObject(shape, { error: 'must be an object' });

const textPart = (typeError: string) =>
  closedObject({ type: z.literal('text', { error: typeError }), text: nonEmptyText });

const imagePart = closedObject({
  type: z.literal('image_url'),
  image_url: closedObject({
    url: imageUrl,
    detail: z.enum(['auto', 'low', 'high'], { error: 'must be auto, low or high' }).optional(),
  }),
});

const userPart = z.discriminatedUnion('type', [textPart('must be text'), imagePart], {
  error: 'must be a text or image_url part',
});
const onlyTextPart = textPart('must be text: images are allowed in user messages only');

/** A content string, or an array of parts; `emptyString` allows '' (a tool's empty result). */
const contentOf = <Part extends z.ZodType>(part: Part, emptyString = false) =>
  z.union([emptyString ? text : nonEmptyText, z.array(part).min(1, 'must hold at least one part')], {
    error: 'must be a string or an array of content parts',
  });

const toolCall = closedObject({
  id: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
  type: z.literal('function', { error: 'must be function' }),
  function: closedObject({ name: identifier, arguments: text }),
});

const systemMessage = closedObject({
  role: z.enum(['system', 'developer']),
  content: contentOf(onlyTextPart),
  name: identifier.optional(),
});

const userMessage = closedObject({
  role: z.literal('user'),
  content: contentOf(userPart),
  name: identifier.optional(),
});

const assistantMessage = closedObject({
  role: z.literal('assistant'),
  // Empty when the message only calls tools; `request-rules.ts` checks it has one or the other.
  content: contentOf(onlyTextPart, true).nullable().optional(),
  tool_calls: z.array(toolCall).min(1, 'must hold at least one tool call').optional(),
  refusal: text.nullable().optional(),
  name: identifier.optional(),
});

const toolMessage = closedObject({
  role: z.literal('tool'),
  content: contentOf(onlyTextPart, true),
  tool_call_id: z
    .string({ error: 'must be the id of the tool call this answers' })
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters'),
});

const message = z.discriminatedUnion('role', [systemMessage, userMessage, assistantMessage, toolMessage], {
  error: (issue) =>
    typeof issue.input === 'object' && issue.input !== null && !Array.isArray(issue.input)
      ? 'must be system, developer, user, assistant or tool'
      : 'must be an object',
});

export const messagesSchema = z
  .array(message, { error: 'must be an array of messages' })
  .min(1, 'must hold at least one message')
  .max(MAX_MESSAGES, `must hold at most ${MAX_MESSAGES} messages`)
  .refine((messages) => messages.some((m) => m.role === 'user'), 'must hold a user message');

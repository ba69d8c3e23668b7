/**
 * The translation of a request (OpenAI's Chat Completions shape) into an Anthropic Messages body.
 * Pure: what Anthropic cannot express is refused with a `NonRetryableInputError` naming the field,
 * before any call; nothing is silently dropped.
 */
import { NonRetryableInputError, type ErrorContext } from '../errors';
import { contentText } from '../llm/content';
import {
  maxOutputTokens,
  type AssistantMessage,
  type ChatMessage,
  type ContentPart,
  type ImagePart,
  type LlmRequest,
  type TextPart,
  type ToolChoice,
  type ToolDefinition,
} from '../llm/request';
import { withProviderOptions } from './provider-options';
import { isObject } from './wire-values';

type Block = Record<string, unknown>;

interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Throws the refusal of `field` (a path under `request`), saying why. */
type Refuse = (field: string, why: string) => never;

/** Keys `providerOptions.anthropic` may not set: the fields this translation sets. */
const RESERVED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'stream',
  'tools',
  'tool_choice',
  'temperature',
  'top_p',
  'stop_sequences',
  'metadata',
]);

/** The request's fields Anthropic has no way to express, one row each: [field, present?, why]. */
const UNEXPRESSIBLE: ReadonlyArray<[keyof LlmRequest, (request: LlmRequest) => boolean, string]> = [
  [
    'response_format',
    (request) => request.response_format !== undefined && request.response_format.type !== 'text',
    'Anthropic has no JSON output mode (ask for JSON in the prompt, or call a tool)',
  ],
  ['seed', (request) => request.seed !== undefined, 'Anthropic has no seed'],
  [
    'reasoning_effort',
    (request) => request.reasoning_effort !== undefined,
    'Anthropic sets reasoning by a token budget: use providerOptions.anthropic.thinking',
  ],
  [
    'temperature',
    (request) => request.temperature !== undefined && request.temperature > 1,
    "Anthropic's temperature goes from 0 to 1",
  ],
];

const TOOL_CHOICES: Readonly<Record<Exclude<ToolChoice, object>, Block>> = {
  auto: { type: 'auto' },
  required: { type: 'any' },
  none: { type: 'none' },
};

const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+);base64,(.+)$/s;

function textBlocks(content: string | readonly TextPart[] | null | undefined): Block[] {
  const parts = typeof content === 'string' ? [{ type: 'text', text: content }] : (content ?? []);
  return parts.filter((part) => part.text !== '').map((part) => ({ type: 'text', text: part.text }));
}

function imageBlock(part: ImagePart, at: string, refuse: Refuse): Block {
  const { url, detail } = part.image_url;
  if (detail !== undefined && detail !== 'auto') {
    refuse(`${at}.image_url.detail`, 'Anthropic has no image detail setting (use auto or leave it out)');
  }
  if (url.startsWith('https://')) return { type: 'image', source: { type: 'url', url } };
  const data = DATA_URL.exec(url);
  if (data && IMAGE_MEDIA_TYPES.has(data[1]!)) {
    return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  }
  return refuse(
    `${at}.image_url.url`,
    'must be an https URL or a base64 data URL of a JPEG, PNG, GIF or WebP image',
  );
}

function userBlocks(content: string | readonly ContentPart[], at: string, refuse: Refuse): Block[] {
  if (typeof content === 'string') return textBlocks(content);
  return content.flatMap((part, index) =>
    part.type === 'text' ? textBlocks([part]) : [imageBlock(part, `${at}.content[${index}]`, refuse)],
  );
}

function assistantBlocks(message: AssistantMessage, at: string, refuse: Refuse): Block[] {
  if (message.refusal !== undefined && message.refusal !== null) {
    refuse(`${at}.refusal`, 'Anthropic has no assistant refusal in a conversation');
  }
  const toolUses = (message.tool_calls ?? []).map((call, index) => {
    const field = `${at}.tool_calls[${index}].function.arguments`;
    let input: unknown;
    try {
      input = JSON.parse(call.function.arguments) as unknown;
    } catch {
      return refuse(field, 'must be JSON (Anthropic takes a tool call’s input as an object)');
    }
    if (!isObject(input)) refuse(field, 'must be a JSON object (Anthropic takes a tool call’s input as one)');
    return { type: 'tool_use', id: call.id, name: call.function.name, input };
  });
  return [...textBlocks(message.content), ...toolUses];
}

/** The message's blocks and the role of its Anthropic turn; undefined for a system message. */
function turnOf(message: ChatMessage, at: string, refuse: Refuse): Turn | undefined {
  if ('name' in message && message.name !== undefined) {
    refuse(`${at}.name`, 'Anthropic messages have no participant name');
  }
  switch (message.role) {
    case 'system':
    case 'developer':
      return undefined;
    case 'user':
      return { role: 'user', content: userBlocks(message.content, at, refuse) };
    case 'assistant':
      return { role: 'assistant', content: assistantBlocks(message, at, refuse) };
    case 'tool': {
      const content = typeof message.content === 'string' ? message.content : textBlocks(message.content);
      return { role: 'user', content: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content }] };
    }
  }
}

/**
 * The conversation as Anthropic turns: system and developer messages go to the top-level `system`;
 * a tool result is a `tool_result` block in a user turn, and consecutive turns of one role (tool
 * results and the user message after them) are merged, as the API requires alternating roles.
 */
function conversationOf(messages: readonly ChatMessage[], refuse: Refuse) {
  const system: string[] = [];
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    const turn = turnOf(message, `messages[${index}]`, refuse);
    const last = turns.at(-1);
    if (!turn) system.push(contentText(message.content));
    else if (last?.role === turn.role) last.content.push(...turn.content);
    else turns.push(turn);
  });
  return { system: system.join('\n\n'), turns };
}

function toolOf(tool: ToolDefinition, index: number, refuse: Refuse): Block {
  const { name, description, parameters, strict } = tool.function;
  if (strict === true) {
    refuse(`tools[${index}].function.strict`, 'Anthropic has no strict schema mode for tools');
  }
  const block: Block = { name, input_schema: parameters ?? { type: 'object', properties: {} } };
  if (description !== undefined) block.description = description;
  return block;
}

/** `tool_choice`, with `parallel_tool_calls: false` as `disable_parallel_tool_use` (meaningless for `none`). */
function toolChoiceOf(request: LlmRequest): Block | undefined {
  const choice = request.tool_choice;
  const serial = request.parallel_tool_calls === false && choice !== 'none';
  if (choice === undefined && !(serial && request.tools?.length)) return undefined;
  const mapped =
    choice === undefined
      ? TOOL_CHOICES.auto
      : typeof choice === 'string'
        ? TOOL_CHOICES[choice]
        : { type: 'tool', name: choice.function.name };
  return serial ? { ...mapped, disable_parallel_tool_use: true } : { ...mapped };
}

/** The Messages body of `request`, or the refusal of what Anthropic cannot express. */
export function toMessagesBody(request: LlmRequest, context: Partial<ErrorContext>): Record<string, unknown> {
  const refuse: Refuse = (field, why) => {
    throw new NonRetryableInputError(`request.${field}: ${why}`, `request.${field}`, context);
  };
  for (const [field, present, why] of UNEXPRESSIBLE) if (present(request)) refuse(field, why);
  const { system, turns } = conversationOf(request.messages, refuse);
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: maxOutputTokens(request),
    messages: turns,
  };
  if (system) body.system = system;
  if (request.tools?.length) body.tools = request.tools.map((tool, index) => toolOf(tool, index, refuse));
  const toolChoice = toolChoiceOf(request);
  if (toolChoice) body.tool_choice = toolChoice;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.top_p !== undefined) body.top_p = request.top_p;
  if (request.stop !== undefined) {
    body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  }
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.stream) body.stream = true;
  return withProviderOptions(body, request.providerOptions, 'anthropic', RESERVED, context);
}

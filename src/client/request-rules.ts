/**
 * The rules across the fields of a request, checked once each field has its shape: every tool call
 * of an assistant message is answered by a tool message right after it (what OpenAI and Anthropic
 * both require), `tool_choice` names a tool the request offers, and the output bound is one number.
 */
import type { ChatMessage, LlmRequest } from '../llm/request';

/** A broken rule: where, and what (never quoting the request's text). */
export interface RuleProblem {
  path: PropertyKey[];
  message: string;
}

function isEmpty(content: ChatMessage['content']): boolean {
  return content === undefined || content === null || content.length === 0;
}

/** The tool calls `messages` leaves unanswered, or a tool message that answers none: the first such problem. */
function conversationProblem(messages: readonly ChatMessage[]): RuleProblem | undefined {
  /** The open tool calls of the last assistant message: id → where it is. */
  let open = new Map<string, PropertyKey[]>();
  const unanswered = (): RuleProblem | undefined => {
    const first = open.values().next();
    return first.done ? undefined : { path: first.value, message: 'has no tool message answering it' };
  };
  for (const [index, message] of messages.entries()) {
    if (message.role === 'tool') {
      if (!open.delete(message.tool_call_id)) {
        return {
          path: [index, 'tool_call_id'],
          message: 'must answer an open tool call of the assistant message before it',
        };
      }
      continue;
    }
    const problem = unanswered();
    if (problem) return problem;
    if (message.role !== 'assistant') continue;
    const calls = message.tool_calls ?? [];
    if (calls.length === 0 && isEmpty(message.content)) {
      return { path: [index, 'content'], message: 'must not be empty in a message without tool_calls' };
    }
    open = new Map();
    for (const [call, { id }] of calls.entries()) {
      if (open.has(id)) return { path: [index, 'tool_calls', call, 'id'], message: 'repeats an earlier id' };
      open.set(id, [index, 'tool_calls', call, 'id']);
    }
  }
  return unanswered();
}

function toolProblem(request: LlmRequest): RuleProblem | undefined {
  const names = new Set<string>();
  for (const [index, tool] of (request.tools ?? []).entries()) {
    if (names.has(tool.function.name)) {
      return { path: ['tools', index, 'function', 'name'], message: 'repeats the name of an earlier tool' };
    }
    names.add(tool.function.name);
  }
  const choice = request.tool_choice;
  if (choice !== undefined && names.size === 0) return { path: ['tool_choice'], message: 'needs tools' };
  if (typeof choice === 'object' && !names.has(choice.function.name)) {
    return { path: ['tool_choice', 'function', 'name'], message: 'must name a tool of request.tools' };
  }
  if (request.parallel_tool_calls !== undefined && names.size === 0) {
    return { path: ['parallel_tool_calls'], message: 'needs tools' };
  }
  return undefined;
}

/** The first rule across fields that `request` breaks, if any (paths relative to the request). */
export function requestRuleProblem(request: LlmRequest): RuleProblem | undefined {
  const conversation = conversationProblem(request.messages);
  if (conversation) return { ...conversation, path: ['messages', ...conversation.path] };
  const tools = toolProblem(request);
  if (tools) return tools;
  const { max_tokens: maxTokens, max_completion_tokens: maxCompletionTokens } = request;
  if (maxTokens !== undefined && maxCompletionTokens !== undefined && maxTokens !== maxCompletionTokens) {
    return { path: ['max_completion_tokens'], message: 'must equal max_tokens when both are given' };
  }
  return undefined;
}

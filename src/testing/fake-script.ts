/**
 * A fake provider scenario's settings: a script of answers (tool calls, then text) and the prompt
 * tokens its usage reports as cached. Pure; settings come from tests, demos or the admin HTTP API.
 *
 * A script is a list of steps; a call takes the first step that matches how many tool results its
 * conversation already holds (and, for a tool call, whose tools the request offers). Example: call
 * `get_weather` first, answer in text once its result is in:
 *
 *   { "script": [
 *       { "toolResults": 0, "callTools": [{ "name": "get_weather", "arguments": { "city": "Paris" } }] },
 *       { "toolResults": 1, "text": "It is sunny in Paris." } ] }
 *
 * A call no step matches gets the default answer.
 */
import { isCount, isObject } from '../providers/wire-values';

/** A tool the script calls, with the arguments it passes. */
export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** One step: when it applies, and what it answers (tool calls or text). */
export interface ScriptStep {
  /** Applies when the conversation holds this many tool results (default: at any count). */
  toolResults?: number;
  /** Answer with these tool calls; applies only when the request offers every one of them. */
  callTools?: ScriptedToolCall[];
  /** Or answer with this text. */
  text?: string;
}

export interface ScenarioSettings {
  script?: ScriptStep[];
  /** Prompt tokens every answer reports as read from the prompt cache (capped at the prompt's). */
  cachedPromptTokens?: number;
  /** Prompt tokens every answer reports as written to the cache (Anthropic's usage only). */
  cacheWritePromptTokens?: number;
  /** The pause between two events of a streamed answer (default none). */
  chunkDelayMs?: number;
}

/** What a call offers and holds, as far as the script is concerned. */
export interface ScriptFacts {
  /** The names of the tools the request offers. */
  tools: readonly string[];
  /** Tool results in the conversation so far. */
  toolResults: number;
}

function validateStep(step: ScriptStep, at: string): void {
  if (!isObject(step)) throw new RangeError(`${at}: must be an object`);
  if (step.toolResults !== undefined && !isCount(step.toolResults)) {
    throw new RangeError(`${at}.toolResults: must be a whole number`);
  }
  if ((step.callTools === undefined) === (step.text === undefined)) {
    throw new RangeError(`${at}: must have either callTools or text`);
  }
  if (step.text !== undefined && typeof step.text !== 'string') {
    throw new RangeError(`${at}.text: must be a string`);
  }
  if (step.callTools === undefined) return;
  if (!Array.isArray(step.callTools) || step.callTools.length === 0) {
    throw new RangeError(`${at}.callTools: must be a non-empty list`);
  }
  step.callTools.forEach((call, index) => {
    if (!isObject(call) || typeof call.name !== 'string' || call.name === '') {
      throw new RangeError(`${at}.callTools[${index}].name: must be a non-empty string`);
    }
    if (!isObject(call.arguments)) {
      throw new RangeError(`${at}.callTools[${index}].arguments: must be an object`);
    }
  });
}

/** Validates settings; throws a `RangeError` whose message starts with the bad field. */
export function validateSettings(settings: ScenarioSettings): ScenarioSettings {
  if (!isObject(settings)) throw new RangeError('settings: must be an object');
  const { script, cachedPromptTokens, cacheWritePromptTokens, chunkDelayMs } = settings;
  if (script !== undefined) {
    if (!Array.isArray(script)) throw new RangeError('script: must be a list of steps');
    script.forEach((step, index) => validateStep(step, `script[${index}]`));
  }
  if (cachedPromptTokens !== undefined && !isCount(cachedPromptTokens)) {
    throw new RangeError('cachedPromptTokens: must be a whole number');
  }
  if (cacheWritePromptTokens !== undefined && !isCount(cacheWritePromptTokens)) {
    throw new RangeError('cacheWritePromptTokens: must be a whole number');
  }
  if (chunkDelayMs !== undefined && !isCount(chunkDelayMs)) {
    throw new RangeError('chunkDelayMs: must be a whole number of milliseconds');
  }
  return settings;
}

/** The step of `script` that answers a call with `facts`, if any. */
export function scriptedStep(script: readonly ScriptStep[], facts: ScriptFacts): ScriptStep | undefined {
  return script.find(
    (step) =>
      (step.toolResults === undefined || step.toolResults === facts.toolResults) &&
      (step.callTools ?? []).every((call) => facts.tools.includes(call.name)),
  );
}

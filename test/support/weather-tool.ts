/** A weather tool, and a fake provider script that calls it: shared by the tool-call tests. */
import type { ToolDefinition } from '../../src/llm/request';
import type { ScriptStep } from '../../src/testing/fake-script';

export const WEATHER_PARAMETERS = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['C', 'F'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};

export const WEATHER_TOOL: ToolDefinition = {
  type: 'function',
  function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER_PARAMETERS },
};

/** The arguments the script calls the tool with. */
export const WEATHER_ARGUMENTS = { city: 'Paris', unit: 'C' };

/** The text the script answers once the tool's result is in. */
export const WEATHER_ANSWER = 'It is sunny in Paris.';

/** Calls `get_weather` while the conversation holds no tool result, then answers in text. */
export const WEATHER_SCRIPT: ScriptStep[] = [
  { toolResults: 0, callTools: [{ name: 'get_weather', arguments: WEATHER_ARGUMENTS }] },
  { toolResults: 1, text: WEATHER_ANSWER },
];

/** The typed search attributes every Breakwater task carries, so operators can list tasks by state. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const LedgerStateKey = defineSearchAttributeKey('LedgerState', SearchAttributeType.KEYWORD);
export const AgentKey = defineSearchAttributeKey('Agent', SearchAttributeType.KEYWORD);
export const PriorityKey = defineSearchAttributeKey('Priority', SearchAttributeType.KEYWORD);
export const ProviderKey = defineSearchAttributeKey('Provider', SearchAttributeType.KEYWORD);
export const OperationKey = defineSearchAttributeKey('Operation', SearchAttributeType.KEYWORD);
/** Milliseconds from the task's start to its first `RUNNING`: the wait for a worker. */
export const QueuedMsKey = defineSearchAttributeKey('QueuedMs', SearchAttributeType.INT);

/** Every search attribute a Breakwater task carries, for a namespace to register. */
export const SEARCH_ATTRIBUTE_KEYS = [
  LedgerStateKey,
  AgentKey,
  PriorityKey,
  ProviderKey,
  OperationKey,
  QueuedMsKey,
] as const;

const CLI_TYPES: Partial<Record<SearchAttributeType, string>> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
};

/** `name=Type` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: ReadonlyArray<{ name: string; cliType: string }> =
  SEARCH_ATTRIBUTE_KEYS.map((key) => ({ name: key.name, cliType: CLI_TYPES[key.type]! }));

/** `value` as a quoted string of a visibility query (escaped). */
export function visibilityText(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

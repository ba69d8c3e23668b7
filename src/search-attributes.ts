/** The typed search attributes every Breakwater task carries, so operators can list tasks by state. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const LedgerStateKey = defineSearchAttributeKey('LedgerState', SearchAttributeType.KEYWORD);
export const AgentKey = defineSearchAttributeKey('Agent', SearchAttributeType.KEYWORD);
export const PriorityKey = defineSearchAttributeKey('Priority', SearchAttributeType.KEYWORD);
export const ProviderKey = defineSearchAttributeKey('Provider', SearchAttributeType.KEYWORD);
export const OperationKey = defineSearchAttributeKey('Operation', SearchAttributeType.KEYWORD);

/** `name=Type` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: ReadonlyArray<{ name: string; cliType: string }> = [
  LedgerStateKey,
  AgentKey,
  PriorityKey,
  ProviderKey,
  OperationKey,
].map((key) => ({ name: key.name, cliType: 'Keyword' }));

/** `value` as a quoted string of a visibility query (escaped). */
export function visibilityText(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

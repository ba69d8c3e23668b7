/**
 * `breakwater/workflows`: what your workflow code imports. Safe to bundle: nothing here reaches a
 * Node built-in. Export `llmTask` from your workflows module to run Breakwater tasks on your worker;
 * call `guardedLlmCall` from your own workflows for a guarded LLM call with the same ledger rules, and
 * `guardedActivity` for a tool (an activity `TOOL_GUARDS` names) that waits BLOCKED while its guard refuses.
 */
export { llmTask } from './llm-task';
export { guardedLlmCall, type GuardedCallOptions } from './guarded-call';
export { guardedActivity, type GuardedActivityOptions } from './guarded-activity';
export { LedgerTracker } from './ledger-tracker';
export type { LlmCallResult } from '../activities';
export type * from '../src/task';
export type * from '../src/llm/request';
export type * from '../src/llm/response';
export type { BreakwaterCallOptions } from '../src/ai-sdk/call-options';

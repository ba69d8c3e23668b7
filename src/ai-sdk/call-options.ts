/**
 * What a workflow may tell Breakwater about one AI SDK call, through the call's provider options:
 *
 * ```ts
 * await generateText({ model, prompt, providerOptions: { breakwater: { operation: 'triage', turn: 't3' } } });
 * ```
 *
 * Every field is optional, so an agent written without Breakwater in mind runs unchanged.
 */
import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { z } from 'zod';
import { NonRetryableInputError, type ErrorContext } from '../errors';
import { DEFAULT_MAX_TOKENS } from '../llm/request';

/** The key of Breakwater's options in the AI SDK's `providerOptions`. */
export const BREAKWATER_OPTIONS_KEY = 'breakwater';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const name = z
  .string()
  .max(200, 'must be at most 200 characters')
  .regex(NAME, 'must be letters, digits, ., _, : or -');

/** Breakwater's options of one AI SDK call. */
export interface BreakwaterCallOptions {
  /** The operation the call's budget, rate limit and metrics are kept under (default: the workflow type). */
  operation?: string;
  /** The agent run whose budget the call is charged to (default: the workflow id). */
  runId?: string;
  /** The run's turn (per-turn token and call budgets). */
  turn?: string;
  /** Signal attempt reports to the workflow: only when it installed Breakwater's `LedgerTracker`. */
  reportAttempts?: boolean;
}

const callOptionsSchema: z.ZodType<BreakwaterCallOptions> = z
  .object({
    operation: name.optional(),
    runId: name.optional(),
    turn: name.optional(),
    reportAttempts: z.boolean().optional(),
  })
  .strict();

/**
 * Breakwater's options of `params`, and the params to call the model with: without them (the
 * model's provider is not told), and with an output bound, `DEFAULT_MAX_TOKENS` when the call
 * sets none, so that the budget's claim for the call's worst case holds. Throws
 * `NonRetryableInputError` naming a bad field.
 */
export function breakwaterCallOptions(
  params: LanguageModelV3CallOptions,
  context: Partial<ErrorContext>,
): { options: BreakwaterCallOptions; params: LanguageModelV3CallOptions } {
  const { [BREAKWATER_OPTIONS_KEY]: raw, ...others } = params.providerOptions ?? {};
  const bounded = { ...params, maxOutputTokens: params.maxOutputTokens ?? DEFAULT_MAX_TOKENS };
  if (raw === undefined) return { options: {}, params: bounded };
  const parsed = callOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ['providerOptions', BREAKWATER_OPTIONS_KEY, ...issue.path.map(String)].join('.');
    throw new NonRetryableInputError(`${field}: ${issue.message}`, field, context);
  }
  return { options: parsed.data, params: { ...bounded, providerOptions: others } };
}

/** Validation of what application code submits; a refusal names the field and starts nothing. */
import { z } from 'zod';
import { NonRetryableInputError } from '../errors';
import type { LlmRequest } from '../llm/request';
import { PRIORITIES, type FallbackProvider, type Priority, type TaskInput, type TaskPolicy } from '../task';
import { checkKnownProviders } from './known-providers';
import { parseInput } from './parse-input';
import { checkRequestSize } from './request-size';
import { modelName, providerName, requestSchema } from './request-schema';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

const name = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(NAME, 'must be letters, digits, ., _, : or -');

const fallbacksSchema = z
  .array(z.object({ provider: providerName, model: modelName.optional() }).strict())
  .max(5, 'must hold at most 5 providers');

export const optionsSchema = z.object({
  idempotencyKey: name(200),
  runId: name(200).optional(),
  turn: name(100).optional(),
  operation: name(100).optional(),
  agent: name(100).optional(),
  priority: z.enum(PRIORITIES).optional(),
  deadline: z.union([z.date(), z.string(), z.number()]).optional(),
  fallbacks: fallbacksSchema.optional(),
});

export type SubmitOptionsInput = z.input<typeof optionsSchema>;

export interface ValidatedSubmission {
  request: LlmRequest;
  idempotencyKey: string;
  runId?: string;
  turn?: string;
  operation: string;
  agent: string;
  priority: Priority;
  /** Absolute deadline, ISO-8601. */
  deadline: string;
  fallbacks?: FallbackProvider[];
}

/** Resolves the deadline to an absolute time: a Date, an ISO string, or a number of ms from `now`. */
export function resolveDeadline(
  deadline: Date | string | number | undefined,
  defaultMs: number,
  now: number,
): string {
  let at: number;
  if (deadline === undefined) at = now + defaultMs;
  else if (typeof deadline === 'number') at = now + deadline;
  else if (deadline instanceof Date) at = deadline.getTime();
  else at = Date.parse(deadline);
  if (!Number.isFinite(at)) {
    throw new NonRetryableInputError(
      'options.deadline: must be a Date, an ISO-8601 time or ms from now',
      'options.deadline',
    );
  }
  if (at <= now)
    throw new NonRetryableInputError('options.deadline: must be in the future', 'options.deadline');
  return new Date(at).toISOString();
}

/** What a submission is checked against, besides its own shape. */
export interface SubmissionLimits {
  /** Deadline of a task submitted without one. */
  taskDeadlineMs: number;
  /** The largest request, in UTF-8 bytes of its JSON (`MAX_REQUEST_BYTES`). */
  maxRequestBytes: number;
  /** The providers a request and its fallbacks may name (`LLM_PROVIDERS`); without it, any. */
  providers?: readonly string[];
}

/** Validates a submission; throws `NonRetryableInputError` naming the first bad field. */
export function validateSubmission(
  request: unknown,
  options: unknown,
  limits: SubmissionLimits,
  now = Date.now(),
): ValidatedSubmission {
  const validRequest = parseInput(requestSchema, request, 'request');
  const validOptions = parseInput(optionsSchema, options, 'options');
  const submission: ValidatedSubmission = {
    request: validRequest,
    idempotencyKey: validOptions.idempotencyKey,
    operation: validOptions.operation ?? 'chat',
    agent: validOptions.agent ?? 'default',
    priority: validOptions.priority ?? 'normal',
    deadline: resolveDeadline(validOptions.deadline, limits.taskDeadlineMs, now),
  };
  if (validOptions.runId !== undefined) submission.runId = validOptions.runId;
  if (validOptions.turn !== undefined) submission.turn = validOptions.turn;
  if (validOptions.fallbacks !== undefined) submission.fallbacks = validOptions.fallbacks;
  checkTaskRules(submission, 'options');
  if (limits.providers !== undefined) checkKnownProviders(submission, limits.providers);
  checkRequestSize(submission.request, limits.maxRequestBytes);
  return submission;
}

/** The rules across fields: a turn belongs to a run, and fallbacks are other providers. */
function checkTaskRules(
  task: { request: LlmRequest; runId?: string; turn?: string; fallbacks?: FallbackProvider[] },
  root: string,
): void {
  if (task.turn !== undefined && task.runId === undefined) {
    throw new NonRetryableInputError(
      `${root}.turn: needs ${root}.runId (a turn belongs to a run)`,
      `${root}.turn`,
    );
  }
  if (task.fallbacks?.some((fallback) => fallback.provider === task.request.provider)) {
    throw new NonRetryableInputError(
      `${root}.fallbacks: must not repeat the request's provider`,
      `${root}.fallbacks`,
    );
  }
}

const positiveMs = z.number().int('must be an integer').min(1, 'must be at least 1 ms');

const retrySchema = z
  .object({
    initialIntervalMs: positiveMs,
    backoffCoefficient: z.number().min(1, 'must be at least 1'),
    maximumIntervalMs: positiveMs,
    maximumAttempts: z.number().int().min(1, 'must be at least 1'),
    retryAfterCapMs: z.number().int().min(0),
  })
  .strict();

const policySchema = z
  .object({
    retry: retrySchema,
    callTimeoutMs: positiveMs,
    attemptTimeoutMs: positiveMs,
    heartbeatTimeoutMs: positiveMs,
    maxBlockedMs: z.number().int().min(0),
    firstTokenTimeoutMs: positiveMs.optional(),
    streamIdleTimeoutMs: positiveMs.optional(),
  })
  .strict();

export const policyOverridesSchema = policySchema.extend({ retry: retrySchema.partial() }).partial();

export type PolicyOverrides = z.infer<typeof policyOverridesSchema>;

/** Validates per-task policy overrides; throws `NonRetryableInputError` naming the field. */
export function validatePolicyOverrides(overrides: unknown): PolicyOverrides {
  return parseInput(policyOverridesSchema, overrides, 'options.policy');
}

/** Checks a resolved policy: an attempt must outlast the call it wraps. */
export function checkPolicy(policy: TaskPolicy, root: string): TaskPolicy {
  if (policy.attemptTimeoutMs <= policy.callTimeoutMs) {
    throw new NonRetryableInputError(
      `${root}.attemptTimeoutMs: must exceed callTimeoutMs`,
      `${root}.attemptTimeoutMs`,
    );
  }
  return policy;
}

const storedTaskSchema = z
  .object({
    request: requestSchema,
    meta: z
      .object({
        idempotencyKey: name(200),
        runId: name(200).optional(),
        turn: name(100).optional(),
        operation: name(100),
        agent: name(100),
        priority: z.enum(PRIORITIES),
      })
      .strict(),
    policy: policySchema,
    fallbacks: fallbacksSchema.optional(),
    replayCount: z.number().int().min(0),
  })
  .strict();

/**
 * Checks a task input kept outside Temporal (a dead-letter entry's) before it starts again, with the
 * rules of a submit; throws `NonRetryableInputError` naming the field (`request.messages[0].content`).
 */
export function validateStoredTask(input: unknown): Omit<TaskInput, 'deadline'> {
  const task = parseInput(storedTaskSchema, input, '');
  checkTaskRules({ ...task.meta, request: task.request, fallbacks: task.fallbacks }, 'meta');
  checkPolicy(task.policy, 'policy');
  return task;
}

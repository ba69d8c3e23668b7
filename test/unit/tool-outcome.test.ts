import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toolOutcomeOf } from '../../src/guard/tool-outcome';

const DEFAULT_RULE = { ignoreErrorTypes: [] };

class SearchTimeout extends Error {
  override name = 'SearchTimeout';
}

describe('toolOutcomeOf', () => {
  it('counts a thrown error and a retryable ApplicationFailure as failures by default', () => {
    expect(toolOutcomeOf(DEFAULT_RULE, new Error('boom'))).toBe('failure');
    expect(toolOutcomeOf(DEFAULT_RULE, ApplicationFailure.retryable('flaky', 'Upstream'))).toBe('failure');
  });

  it('leaves a non-retryable ApplicationFailure and a cancellation out by default', () => {
    expect(toolOutcomeOf(DEFAULT_RULE, ApplicationFailure.nonRetryable('no such order', 'NotFound'))).toBe(
      'neutral',
    );
    expect(toolOutcomeOf(DEFAULT_RULE, new CancelledFailure('cancelled'))).toBe('neutral');
  });

  it('leaves out the ignored types', () => {
    const rule = { ignoreErrorTypes: ['Upstream'] };
    expect(toolOutcomeOf(rule, ApplicationFailure.retryable('flaky', 'Upstream'))).toBe('neutral');
    expect(toolOutcomeOf(rule, new Error('boom'))).toBe('failure');
  });

  it('counts only the listed types when the rule lists them, non-retryable ones too', () => {
    const rule = { errorTypes: ['SearchTimeout', 'Quota'], ignoreErrorTypes: [] };
    expect(toolOutcomeOf(rule, new SearchTimeout('slow'))).toBe('failure');
    expect(toolOutcomeOf(rule, ApplicationFailure.nonRetryable('over quota', 'Quota'))).toBe('failure');
    expect(toolOutcomeOf(rule, new Error('boom'))).toBe('neutral');
  });
});

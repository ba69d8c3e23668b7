import { describe, expect, it } from 'vitest';
import { mergeExpositions } from '../../src/observability/exposition';

const WORKER = `# HELP ai_llm_calls_total LLM provider calls by outcome
# TYPE ai_llm_calls_total counter
ai_llm_calls_total{provider="fake",outcome="success"} 1

# HELP process_cpu_seconds_total CPU time
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 0.5
`;

const CORE = `# HELP temporal_request_latency Latency of client requests
# TYPE temporal_request_latency histogram
temporal_request_latency_bucket{le="50"} 1
temporal_request_latency_bucket{le="+Inf"} 2
temporal_request_latency_sum 60
temporal_request_latency_count 2
# HELP process_cpu_seconds_total Core's CPU time
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 9
untyped_sample 3
`;

describe('mergeExpositions', () => {
  it('serves the first exposition whole, then the families of the next that it does not have', () => {
    expect(mergeExpositions([WORKER, CORE])).toBe(
      [
        '# HELP ai_llm_calls_total LLM provider calls by outcome',
        '# TYPE ai_llm_calls_total counter',
        'ai_llm_calls_total{provider="fake",outcome="success"} 1',
        '# HELP process_cpu_seconds_total CPU time',
        '# TYPE process_cpu_seconds_total counter',
        'process_cpu_seconds_total 0.5',
        '# HELP temporal_request_latency Latency of client requests',
        '# TYPE temporal_request_latency histogram',
        'temporal_request_latency_bucket{le="50"} 1',
        'temporal_request_latency_bucket{le="+Inf"} 2',
        'temporal_request_latency_sum 60',
        'temporal_request_latency_count 2',
        'untyped_sample 3',
        '',
      ].join('\n'),
    );
  });

  it('has one HELP and one TYPE line per name when the sources overlap', () => {
    const merged = mergeExpositions([WORKER, CORE, WORKER]);
    const comments = merged.split('\n').filter((line) => line.startsWith('# '));
    expect(new Set(comments).size).toBe(comments.length);
    expect(merged).not.toContain('process_cpu_seconds_total 9');
  });

  it('is empty for empty sources, and ends with a newline otherwise', () => {
    expect(mergeExpositions(['', ''])).toBe('');
    expect(mergeExpositions(['', 'a_total 1'])).toBe('a_total 1\n');
  });
});

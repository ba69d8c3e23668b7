/** Agent requests through the client on the real dev server: a malformed one starts nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { MAX_IMAGE_DATA_BYTES } from '../../src/client/image-url';
import { isNonRetryableInputError } from '../../src/errors';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, createHarness, startFakeProvider } from '../support/harness';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});

const tool = { type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } };
const toolCall = { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } };
const oversizedImage = `data:image/png;base64,${'A'.repeat(Math.ceil((MAX_IMAGE_DATA_BYTES + 3) / 3) * 4)}`;

describe('agent requests through the client', () => {
  it('refuses a malformed agent request before anything starts, naming the field', async () => {
    const h = await createHarness(fakeProvider, 'bad-agent-input');
    const base = chat('x');
    const cases: Array<[string, unknown, string]> = [
      [
        'tool message without tool_call_id',
        {
          ...base,
          messages: [
            ...base.messages,
            { role: 'assistant', tool_calls: [toolCall] },
            { role: 'tool', content: 'ok' },
          ],
        },
        'request.messages[2].tool_call_id',
      ],
      ['unknown top-level field', { ...base, functions: [tool] }, 'request.functions'],
      [
        'oversized image',
        {
          ...base,
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: oversizedImage } }] }],
        },
        'request.messages[0].content[0].image_url.url',
      ],
      [
        'tool_choice naming no tool',
        { ...base, tools: [tool], tool_choice: { type: 'function', function: { name: 'search' } } },
        'request.tool_choice.function.name',
      ],
      [
        'tool name with a space',
        { ...base, tools: [{ type: 'function', function: { name: 'look up' } }] },
        'request.tools[0].function.name',
      ],
    ];
    await h.run(async () => {
      for (const [label, request, field] of cases) {
        const error = await h.client.submit(request as never, { idempotencyKey: h.name }).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(isNonRetryableInputError(error), `${label}: ${String(error)}`).toBe(true);
        expect((error as { field?: string }).field, label).toBe(field);
      }
      await expect(h.temporal.workflow.getHandle(`bw-task-${h.name}`).describe()).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
    });
    expect(h.fake.stats.received).toBe(0);
  });
});

import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { decodeArrayFromPayloads, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec, withEncryption, type EncryptionSettings } from '../../src/codec';
import { throwIfUndecryptable } from '../../src/codec/undecryptable';
import { undecryptableActivityInterceptor } from '../../src/plugin/undecryptable-activity-interceptor';

const OLD = { id: 'old', key: Buffer.alloc(32, 7) };
const ROGUE = { id: 'rogue', key: Buffer.alloc(32, 99) };

async function sealedWith(key: typeof OLD, value: unknown) {
  return new EncryptionCodec({ keys: [key], activeKeyId: key.id }).encode([
    defaultPayloadConverter.toPayload(value),
  ]);
}

function thrown(action: () => unknown): ApplicationFailure {
  try {
    action();
  } catch (error) {
    return error as ApplicationFailure;
  }
  throw new Error('expected a throw');
}

describe("a worker's codec and a payload it cannot decrypt", () => {
  const settings: EncryptionSettings = {
    mode: 'required',
    keys: [OLD],
    activeKeyId: 'old',
    compression: 'off',
  };

  it('throws for clients and the CLI', async () => {
    const converter = loadDataConverter(withEncryption(settings));
    await expect(decodeArrayFromPayloads(converter, await sealedWith(ROGUE, 'x'))).rejects.toThrow(
      "unknown key id 'rogue'",
    );
  });

  it('marks it for the worker, and the mark fails the call non-retryably with the named error', async () => {
    const converter = loadDataConverter(withEncryption(settings, {}, 'mark'));
    const args = await decodeArrayFromPayloads(converter, [
      ...(await sealedWith(OLD, 'readable')),
      ...(await sealedWith(ROGUE, 'sealed with a key the worker lacks')),
    ]);
    expect(args[0]).toBe('readable');
    expect(JSON.stringify(args)).not.toContain('lacks');
    const failure = thrown(() => throwIfUndecryptable(args));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'UnknownEncryptionKeyError', nonRetryable: true });
    expect(failure.message).toContain("unknown key id 'rogue'");
  });

  it('marks a payload that its key does not open as PayloadDecryptionError', async () => {
    const converter = loadDataConverter(withEncryption(settings, {}, 'mark'));
    const [sealed] = await sealedWith(OLD, 'tampered');
    sealed!.data![20]! ^= 1;
    const args = await decodeArrayFromPayloads(converter, [sealed!]);
    expect(() => throwIfUndecryptable(['fine', { answer: 42 }])).not.toThrow();
    expect(thrown(() => throwIfUndecryptable(args))).toMatchObject({
      type: 'PayloadDecryptionError',
      nonRetryable: true,
    });
  });

  it('fails an activity before it runs, from the activity interceptor', async () => {
    const converter = loadDataConverter(withEncryption(settings, {}, 'mark'));
    const args = await decodeArrayFromPayloads(converter, await sealedWith(ROGUE, 'prompt'));
    let ran = false;
    const { inbound } = undecryptableActivityInterceptor({} as never);
    const next = async () => {
      ran = true;
      return 'answer';
    };
    await expect(inbound!.execute!({ args, headers: {} }, next)).rejects.toMatchObject({
      type: 'UnknownEncryptionKeyError',
      nonRetryable: true,
    });
    expect(ran).toBe(false);
    await expect(inbound!.execute!({ args: ['fine'], headers: {} }, next)).resolves.toBe('answer');
  });
});

/** How script calls react to a server that cannot run them (a stub connection: no server involved). */
import type Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { commandsOf, UnsupportedRedisError } from '../../src/redis/function-library';

function serverReplying(message: string): Redis {
  const reject = () => Promise.reject(new Error(message));
  return { fcall: reject, function: reject } as unknown as Redis;
}

describe('script calls', () => {
  it('name Redis 7.0 when the server does not know FCALL', async () => {
    const calls = commandsOf(serverReplying("ERR unknown command 'FCALL', with args beginning with: "));
    const failure = calls.admit('p:{p}', 'x');
    await expect(failure).rejects.toBeInstanceOf(UnsupportedRedisError);
    await expect(failure).rejects.toThrow(/needs Redis 7\.0 or later.*unknown command 'FCALL'/);
  });

  it('pass any other error through unchanged', async () => {
    const calls = commandsOf(serverReplying('Connection is closed.'));
    await expect(calls.settle('p:{p}', 'x')).rejects.toThrow(/^Connection is closed\.$/);
  });
});

--[[
  Settles one admitted attempt: releases its lease and applies its outcome to the breaker, once.

  KEYS[1]  the breaker's base key (see _breaker.lua)
  ARGV[1]  attemptId
  ARGV[2]  outcome              success | failure | rate_limited | neutral
  ARGV[3]  workerId
  ARGV[4]  settings             packed (see _breaker.lua)
  ARGV[5]  clock                '' for Redis time; an epoch-ms value in tests

  Returns  { settled (1|0), transition JSON or '' }   0: already settled or lease expired, nothing counted
]]
--@include _breaker.lua

local attemptId = ARGV[1]
local outcome = ARGV[2]
local workerId = ARGV[3]
local S = settings(ARGV[4])
local now = clock(ARGV[5])

expireLeases(now)
if redis.call('ZREM', K.inflight, attemptId) == 0 then return { 0, '' } end
local wasProbe = redis.call('ZREM', K.probes, attemptId) == 1
redis.call('HINCRBY', K.stats, outcome, 1)
if outcome == 'neutral' or outcome == 'rate_limited' then return { 1, '' } end
local failure = outcome == 'failure'
local state = field('state', 'CLOSED')

if state == 'HALF_OPEN' then
  if not wasProbe then return { 1, '' } end
  if failure then return { 1, open('probe_failed', now, S.resetMs) } end
  redis.call('HSET', K.breaker, 'lastSuccessAt', now)
  local successes = redis.call('HINCRBY', K.breaker, 'halfOpenSuccesses', 1)
  if successes >= S.successThreshold then return { 1, moveTo('CLOSED', 'probe_successes', now) } end
  return { 1, '' }
end
if state == 'OPEN' then return { 1, '' } end

redis.call('ZADD', K.window, now, attemptId)
if failure then redis.call('ZADD', K.windowFailures, now, attemptId) end
pruneWindow(now, S.windowMs, S.mode)
if not failure then
  redis.call('HSET', K.breaker, 'lastSuccessAt', now, 'consecutive', 0)
  if S.mode == 'consecutive' then redis.call('DEL', K.failers) end
  return { 1, '' }
end

local consecutive = redis.call('HINCRBY', K.breaker, 'consecutive', 1)
redis.call('HSET', K.failers, workerId, now)
if redis.call('HLEN', K.failers) < S.minWorkers then return { 1, '' } end
if S.mode == 'consecutive' then
  if consecutive >= S.threshold then return { 1, open('failure_threshold', now, S.resetMs) } end
else
  local calls = redis.call('ZCARD', K.window)
  local failures = redis.call('ZCARD', K.windowFailures)
  if calls >= S.minimumVolume and failures / calls >= S.failureRate then
    return { 1, open('failure_rate', now, S.resetMs) }
  end
end
return { 1, '' }

--[[
  Admits one call attempt through a provider's circuit breaker.

  KEYS[1]  the breaker's base key (see _breaker.lua)
  ARGV[1]  attemptId            unique per activity attempt (admitting it again renews its lease)
  ARGV[2]  leaseMs              how long the admission holds if its worker never settles it
  ARGV[3]  random               a number in [0, 1) drawn by the caller (probabilistic half-open)
  ARGV[4]  settings             packed (see _breaker.lua)
  ARGV[5]  clock                '' for Redis time; an epoch-ms value in tests

  Returns  { admitted (1|0), probe (1|0), retryAfterMs, state, transition JSON or '' }
]]
--@include _breaker.lua

local attemptId = ARGV[1]
local leaseMs = tonumber(ARGV[2])
local random = tonumber(ARGV[3])
local S = settings(ARGV[4])
local now = clock(ARGV[5])

-- One read of the breaker's fields: this script is on every call's path.
local fields = redis.call('HMGET', K.breaker, 'state', 'openUntil', 'consecutive', 'lastSuccessAt')
local state = fields[1] or 'CLOSED'
local transition = ''

if state == 'OPEN' then
  local openUntil = tonumber(fields[2] or '0')
  if now < openUntil then
    redis.call('HINCRBY', K.stats, 'rejected_open', 1)
    return { 0, 0, openUntil - now, 'OPEN', '' }
  end
  transition = moveTo('HALF_OPEN', 'reset_timeout', now)
  state = 'HALF_OPEN'
end

if state == 'HALF_OPEN' then
  expireLeases(now)
  if redis.call('ZSCORE', K.probes, attemptId) then return { 1, 1, 0, 'HALF_OPEN', transition } end
  if redis.call('ZCARD', K.probes) >= S.maxProbes or random >= S.probability then
    redis.call('HINCRBY', K.stats, 'rejected_half_open', 1)
    return { 0, 0, S.retryMs, 'HALF_OPEN', transition }
  end
  redis.call('ZADD', K.probes, now + leaseMs, attemptId)
  redis.call('ZADD', K.inflight, now + leaseMs, attemptId)
  redis.call('HINCRBY', K.stats, 'probes', 1)
  return { 1, 1, 0, 'HALF_OPEN', transition }
end

-- CLOSED. While failures accrue, or before a recent success, calls in flight count as possible
-- failures: no more are admitted than it takes to open the breaker.
-- A proven breaker (the fast path) needs no pruning here: settle and status prune expired leases.
if S.mode == 'consecutive' then
  local consecutive = tonumber(fields[3] or '0')
  local lastSuccessAt = tonumber(fields[4] or '0')
  local proven = lastSuccessAt > 0 and now - lastSuccessAt <= S.windowMs
  if not (proven and consecutive == 0) then
    expireLeases(now)
    local inFlight = redis.call('ZCARD', K.inflight)
    if redis.call('ZSCORE', K.inflight, attemptId) then inFlight = inFlight - 1 end
    -- At least one call at a time, so a breaker that may not open yet (minDistinctWorkers) keeps learning.
    if inFlight >= math.max(1, S.threshold - consecutive) then
      redis.call('HINCRBY', K.stats, 'rejected_closed', 1)
      return { 0, 0, S.retryMs, 'CLOSED', transition }
    end
  end
end
redis.call('ZADD', K.inflight, now + leaseMs, attemptId)
return { 1, 0, 0, 'CLOSED', transition }

--[[
  Admits one call attempt through a provider's circuit breaker.

  KEYS     the 7 breaker keys (see _breaker.lua)
  ARGV[1]  attemptId            unique per activity attempt (admitting it again renews its lease)
  ARGV[2]  leaseMs              how long the admission holds if its worker never settles it
  ARGV[3]  random               a number in [0, 1) drawn by the caller (probabilistic half-open)
  ARGV[4]  mode                 consecutive | rate
  ARGV[5]  failureThreshold
  ARGV[6]  halfOpenProbes
  ARGV[7]  halfOpenProbability
  ARGV[8]  halfOpenRetryMs      wait asked of a call refused while HALF_OPEN or while gated
  ARGV[9]  windowMs
  ARGV[10] clock                '' for Redis time; an epoch-ms value in tests

  Returns  { admitted (1|0), probe (1|0), retryAfterMs, state, transition JSON or '' }
]]
--@include _breaker.lua

local attemptId = ARGV[1]
local leaseMs = tonumber(ARGV[2])
local random = tonumber(ARGV[3])
local mode = ARGV[4]
local threshold = tonumber(ARGV[5])
local maxProbes = tonumber(ARGV[6])
local probability = tonumber(ARGV[7])
local retryMs = tonumber(ARGV[8])
local windowMs = tonumber(ARGV[9])
local now = clock(ARGV[10])

expireLeases(now)
local transition = ''
local state = field('state', 'CLOSED')

if state == 'OPEN' then
  local openUntil = numberField('openUntil')
  if now < openUntil then
    redis.call('HINCRBY', K.stats, 'rejected_open', 1)
    return { 0, 0, openUntil - now, 'OPEN', '' }
  end
  transition = moveTo('HALF_OPEN', 'reset_timeout', now)
  state = 'HALF_OPEN'
end

if state == 'HALF_OPEN' then
  local existing = redis.call('ZSCORE', K.probes, attemptId)
  if existing then return { 1, 1, 0, 'HALF_OPEN', transition } end
  if redis.call('ZCARD', K.probes) >= maxProbes or random >= probability then
    redis.call('HINCRBY', K.stats, 'rejected_half_open', 1)
    return { 0, 0, retryMs, 'HALF_OPEN', transition }
  end
  redis.call('ZADD', K.probes, now + leaseMs, attemptId)
  redis.call('ZADD', K.inflight, now + leaseMs, attemptId)
  redis.call('HINCRBY', K.stats, 'admitted', 1)
  redis.call('HINCRBY', K.stats, 'probes', 1)
  return { 1, 1, 0, 'HALF_OPEN', transition }
end

-- CLOSED. While failures accrue, or before a recent success, calls in flight count as possible
-- failures: no more are admitted than it takes to open the breaker.
local isNew = redis.call('ZSCORE', K.inflight, attemptId) == false
if mode == 'consecutive' then
  local consecutive = numberField('consecutive')
  local lastSuccessAt = numberField('lastSuccessAt')
  local proven = lastSuccessAt > 0 and now - lastSuccessAt <= windowMs
  if not (proven and consecutive == 0) then
    local inFlight = redis.call('ZCARD', K.inflight)
    if not isNew then inFlight = inFlight - 1 end
    -- At least one call at a time, so a breaker that may not open yet (minDistinctWorkers) keeps learning.
    if inFlight >= math.max(1, threshold - consecutive) then
      redis.call('HINCRBY', K.stats, 'rejected_closed', 1)
      return { 0, 0, retryMs, 'CLOSED', transition }
    end
  end
end
redis.call('ZADD', K.inflight, now + leaseMs, attemptId)
if isNew then redis.call('HINCRBY', K.stats, 'admitted', 1) end
return { 1, 0, 0, 'CLOSED', transition }

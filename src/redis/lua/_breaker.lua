--[[
  The circuit breaker of one provider (a shared piece; needs _common.lua, _alerts.lua and _degraded.lua
  first: each transition raises its alert and evaluates degraded mode).

  Its keys are the `breaker*` keys of src/redis/keys.ts, `breakerKey(name)` once `useBreaker(provider)`
  named the provider (each built when first used, then kept per key prefix and provider).

  Its settings are 12 little-endian doubles (decoded with `struct`, far cheaper than text on this
  hot path): mode (1 = rate, 0 = consecutive), failureThreshold, resetMs, halfOpenProbes,
  halfOpenProbability, successThreshold, halfOpenRetryMs, windowMs, failureRate, minimumVolume,
  minDistinctWorkers, slowCallRate (rate mode; 0 = off).
]]
local breakerProvider, breakerCached
-- A key of the current provider's breaker, built once per prefix and provider (see prefixCached).
local function breakerKey(name)
  local key = breakerCached.keys[name]
  if key == nil then
    key = KEY[name](breakerProvider)
    breakerCached.keys[name] = key
  end
  return key
end

local MAX_CACHED_BREAKERS = 256

local function useBreaker(provider)
  local cached = prefixCached()
  breakerCached = cached.breakers[provider]
  if breakerCached == nil then
    if cached.breakerCount >= MAX_CACHED_BREAKERS then cached.breakers, cached.breakerCount = {}, 0 end
    breakerCached = { keys = {}, sweeps = {} }
    cached.breakers[provider], cached.breakerCount = breakerCached, cached.breakerCount + 1
  end
  breakerProvider = provider
end

-- The settings from 12 numbers of `v` starting at `i`: mode (1 = rate), then the 11 values.
local function breakerSettingsFrom(v, i)
  local mode = 'consecutive'
  if v[i] == 1 then mode = 'rate' end
  return {
    mode = mode, threshold = v[i + 1], resetMs = v[i + 2], maxProbes = v[i + 3], probability = v[i + 4],
    successThreshold = v[i + 5], retryMs = v[i + 6], windowMs = v[i + 7], failureRate = v[i + 8],
    minimumVolume = v[i + 9], minWorkers = v[i + 10], slowCallRate = v[i + 11],
  }
end

local function breakerSettings(packed)
  return breakerSettingsFrom({ struct.unpack('<dddddddddddd', packed) }, 1)
end

local function field(name, default)
  local value = redis.call('HGET', breakerKey('breakerState'), name)
  if value == false then return default end
  return value
end

local function numberField(name)
  return tonumber(field(name, '0'))
end

--[[
  PROBES_OR_FAILERS in the state hash is 0 while the breaker's probes and failers are known to be
  empty: a healthy breaker's settle then touches neither key. Adding a probe or a failer sets it to 1
  (missing counts as 1); a settle that finds both keys empty sets it back to 0.
]]
local PROBES_OR_FAILERS = 'probesOrFailers'

-- Gives back `tokens` to the provider's rate limit, whose buckets live in this hash (see _ratelimit.lua).
local function refundRate(tokens)
  if tokens > 0 then redis.call('HINCRBY', breakerKey('breakerState'), 'rateRefunds', tokens) end
end

-- The cluster-wide counters live in the state hash, as `stat:<name>` (one key less to write).
local STAT = 'stat:'
local STAT_FIELDS = {
  success = 'stat:success', failure = 'stat:failure', rate_limited = 'stat:rate_limited', neutral = 'stat:neutral',
}
local function countStat(name, by)
  redis.call('HINCRBY', breakerKey('breakerState'), STAT .. name, by or 1)
end

-- Drops leases whose worker never settled them (it died, or its call outlived the lease).
local function expireInflight(now)
  local expired = redis.call('ZREMRANGEBYSCORE', breakerKey('breakerInflight'), '-inf', nowText)
  if expired > 0 then countStat('leases_expired', expired) end
end

-- Drops expired leases, the probes' too.
local function expireLeases(now)
  expireInflight(now)
  redis.call('ZREMRANGEBYSCORE', breakerKey('breakerProbes'), '-inf', now)
end

local function pruneWindow(now, windowMs, mode)
  local since = now - windowMs
  redis.call('ZREMRANGEBYSCORE', breakerKey('breakerWindow'), '-inf', since)
  redis.call('ZREMRANGEBYSCORE', breakerKey('breakerWindowFailures'), '-inf', since)
  redis.call('ZREMRANGEBYSCORE', breakerKey('breakerWindowSlow'), '-inf', since)
  if mode == 'rate' then
    local entries = redis.call('HGETALL', breakerKey('breakerFailers'))
    for i = 1, #entries, 2 do
      if tonumber(entries[i + 1]) <= since then redis.call('HDEL', breakerKey('breakerFailers'), entries[i]) end
    end
  end
end

local function counts()
  return {
    consecutiveFailures = numberField('consecutive'),
    halfOpenSuccesses = numberField('halfOpenSuccesses'),
    windowCalls = redis.call('ZCARD', breakerKey('breakerWindow')),
    windowFailures = redis.call('ZCARD', breakerKey('breakerWindowFailures')),
    distinctFailingWorkers = redis.call('HLEN', breakerKey('breakerFailers')),
  }
end

local function clearCounters()
  redis.call('HSET', breakerKey('breakerState'), 'consecutive', 0, 'halfOpenSuccesses', 0)
  redis.call('DEL', breakerKey('breakerFailers'), breakerKey('breakerWindow'), breakerKey('breakerWindowFailures'),
    breakerKey('breakerWindowSlow'))
end

-- Moves the breaker to `to` and returns the transition as JSON.
local function moveTo(to, reason, now)
  local transition = { from = field('state', 'CLOSED'), to = to, reason = reason, at = now, counts = counts() }
  redis.call('HSET', breakerKey('breakerState'), 'state', to)
  if to == 'HALF_OPEN' then
    redis.call('HSET', breakerKey('breakerState'), 'halfOpenSuccesses', 0)
    local probes = redis.call('ZRANGE', breakerKey('breakerProbes'), 0, -1)
    for _, id in ipairs(probes) do redis.call('ZREM', breakerKey('breakerInflight'), id) end
    redis.call('DEL', breakerKey('breakerProbes'))
  elseif to == 'CLOSED' then
    clearCounters()
  elseif to == 'OPEN' then
    redis.call('HSET', breakerKey('breakerState'), 'halfOpenSuccesses', 0)
  end
  countStat('transitions')
  countStat('transitions_to_' .. string.lower(to))
  raiseAlert('breaker_transition', { provider = breakerProvider, from = transition.from, to = to, reason = reason }, now)
  degradedEvaluate(now)
  return cjson.encode(transition)
end

local function open(reason, now, resetMs)
  local transition = moveTo('OPEN', reason, now)
  redis.call('HSET', breakerKey('breakerState'), 'openUntil', now + resetMs)
  return transition
end

--[[
  Decides on admitting one attempt. Writes only the lazy OPEN -> HALF_OPEN move and refusal stats;
  `breakerCommit` takes the lease once every other check passed too.
  Returns { admitted, probe, retryAfterMs, state, transition JSON or '', rate } (rate: the fields
  read, whose 5th to 9th are the provider's rate limit: rateRequests, rateTokens, rateAt, rateRefunds, rateRing).
]]
local function breakerDecide(attemptId, random, S, now)
  -- One read of the breaker's fields: this runs on every call's path.
  local fields = redis.call('HMGET', breakerKey('breakerState'), 'state', 'openUntil', 'consecutive', 'lastSuccessAt',
    'rateRequests', 'rateTokens', 'rateAt', 'rateRefunds', 'rateRing')
  local rate = fields
  local state = fields[1] or 'CLOSED'
  local transition = ''

  if state == 'OPEN' then
    local openUntil = tonumber(fields[2] or '0')
    if now < openUntil then
      countStat('rejected_open')
      return { admitted = false, retryAfterMs = openUntil - now, state = 'OPEN', transition = '' }
    end
    transition = moveTo('HALF_OPEN', 'reset_timeout', now)
    state = 'HALF_OPEN'
  end

  if state == 'HALF_OPEN' then
    expireLeases(now)
    if redis.call('ZSCORE', breakerKey('breakerProbes'), attemptId) then
      return { admitted = true, probe = true, state = 'HALF_OPEN', transition = transition, rate = rate }
    end
    if redis.call('ZCARD', breakerKey('breakerProbes')) >= S.maxProbes or random >= S.probability then
      countStat('rejected_half_open')
      return { admitted = false, retryAfterMs = S.retryMs, state = 'HALF_OPEN', transition = transition }
    end
    return { admitted = true, probe = true, state = 'HALF_OPEN', transition = transition, rate = rate }
  end

  -- CLOSED. While failures accrue, or before a recent success, calls in flight count as possible
  -- failures: no more are admitted than it takes to open the breaker. A proven breaker (the fast
  -- path) needs no pruning here: settle and status prune expired leases.
  if S.mode == 'consecutive' then
    local consecutive = tonumber(fields[3] or '0')
    local lastSuccessAt = tonumber(fields[4] or '0')
    local proven = lastSuccessAt > 0 and now - lastSuccessAt <= S.windowMs
    if not (proven and consecutive == 0) then
      expireLeases(now)
      local inFlight = redis.call('ZCARD', breakerKey('breakerInflight'))
      if redis.call('ZSCORE', breakerKey('breakerInflight'), attemptId) then inFlight = inFlight - 1 end
      -- At least one call at a time, so a breaker that may not open yet (minDistinctWorkers) keeps learning.
      if inFlight >= math.max(1, S.threshold - consecutive) then
        countStat('rejected_closed')
        return { admitted = false, retryAfterMs = S.retryMs, state = 'CLOSED', transition = transition }
      end
    end
  end
  return { admitted = true, probe = false, state = 'CLOSED', transition = transition, rate = rate }
end

-- `expiresAt`: the lease's end (ms), as text (converted once for every key that holds the lease).
local function breakerCommit(decision, attemptId, expiresAt)
  if decision.probe then
    redis.call('ZADD', breakerKey('breakerProbes'), expiresAt, attemptId)
    countStat('probes')
    redis.call('HSET', breakerKey('breakerState'), PROBES_OR_FAILERS, 1)
  end
  redis.call('ZADD', breakerKey('breakerInflight'), expiresAt, attemptId)
end

--[[
  Rate mode with a slow-call rate: a slow call (success or failure) enters the window's slow calls,
  and the breaker opens once they are `slowCallRate` of the window's calls (at `minimumVolume` calls
  or more), as resilience4j's slow-call rate threshold does. Returns the transition JSON or ''.
]]
local function slowCallSettle(attemptId, S, now)
  redis.call('ZADD', breakerKey('breakerWindowSlow'), nowText, attemptId)
  pruneWindow(now, S.windowMs, S.mode)
  local calls = redis.call('ZCARD', breakerKey('breakerWindow'))
  local slow = redis.call('ZCARD', breakerKey('breakerWindowSlow'))
  if calls >= S.minimumVolume and slow / calls >= S.slowCallRate then
    return open('slow_call_rate', now, S.resetMs)
  end
  return ''
end

--[[
  Settles one admitted attempt: releases its lease and applies its outcome, once.
  Gives back `refund` tokens to the provider's rate limit, settled or not. `slow`: the call was
  slower than LLM_SLOW_CALL_MS (counted by the slow-call rate, rate mode only).
  Returns settled (1|0: 0 when already settled or its lease expired), transition JSON or ''.
]]
local function breakerSettle(attemptId, outcome, workerId, S, now, refund, slow)
  expireInflight(now)
  -- An expired probe lease is garbage once its in-flight lease is gone: whatever reads the probes
  -- (a HALF_OPEN admission, the status) drops expired ones first.
  if sweepDue(breakerCached.sweeps, 'probes', now) then
    redis.call('ZREMRANGEBYSCORE', breakerKey('breakerProbes'), '-inf', nowText)
  end
  if redis.call('ZREM', breakerKey('breakerInflight'), attemptId) == 0 then
    refundRate(refund)
    return 0, ''
  end
  local stat = STAT_FIELDS[outcome] or STAT .. outcome
  local fields = redis.call('HMGET', breakerKey('breakerState'), 'state', 'consecutive', PROBES_OR_FAILERS, stat,
    'rateRefunds')
  local state = fields[1] or 'CLOSED'
  local probesOrFailers = fields[3] ~= '0'
  local wasProbe = (state == 'HALF_OPEN' or probesOrFailers)
    and redis.call('ZREM', breakerKey('breakerProbes'), attemptId) == 1
  if outcome == 'neutral' or outcome == 'rate_limited' or state ~= 'CLOSED' or outcome == 'failure' then
    refundRate(refund)
  end
  if outcome == 'neutral' or outcome == 'rate_limited' then
    countStat(outcome)
    return 1, ''
  end
  local failure = outcome == 'failure'

  if state == 'HALF_OPEN' then
    countStat(outcome)
    if not wasProbe then return 1, '' end
    if failure then return 1, open('probe_failed', now, S.resetMs) end
    redis.call('HSET', breakerKey('breakerState'), 'lastSuccessAt', now)
    local successes = redis.call('HINCRBY', breakerKey('breakerState'), 'halfOpenSuccesses', 1)
    if successes >= S.successThreshold then return 1, moveTo('CLOSED', 'probe_successes', now) end
    return 1, ''
  end
  if state == 'OPEN' then
    countStat(outcome)
    return 1, ''
  end

  local counted = tonumber(fields[4] or '0') + 1
  redis.call('ZADD', breakerKey('breakerWindow'), nowText, attemptId)
  local slowCounted = slow and S.mode == 'rate' and S.slowCallRate > 0
  if not failure then
    -- Pruning the window is garbage collection on success: what reads it (a failure, the status) prunes first.
    if sweepDue(breakerCached.sweeps, 'window', now) then pruneWindow(now, S.windowMs, S.mode) end
    -- One write: the outcome, its counter and the rate-limit refund.
    local writes = { 'lastSuccessAt', nowText, 'consecutive', '0', stat, integerText(counted) }
    if refund > 0 then writes[7], writes[8] = 'rateRefunds', integerText(tonumber(fields[5] or '0') + refund) end
    if probesOrFailers then
      if S.mode == 'consecutive' then redis.call('DEL', breakerKey('breakerFailers')) end
      local none = redis.call('EXISTS', breakerKey('breakerProbes'), breakerKey('breakerFailers')) == 0
      writes[#writes + 1], writes[#writes + 2] = PROBES_OR_FAILERS, none and 0 or 1
    end
    redis.call('HSET', breakerKey('breakerState'), unpack(writes))
    if slowCounted then return 1, slowCallSettle(attemptId, S, now) end
    return 1, ''
  end

  redis.call('ZADD', breakerKey('breakerWindowFailures'), nowText, attemptId)
  pruneWindow(now, S.windowMs, S.mode)
  local consecutive = tonumber(fields[2] or '0') + 1
  redis.call('HSET', breakerKey('breakerState'), 'consecutive', consecutive, stat, counted, PROBES_OR_FAILERS, 1)
  redis.call('HSET', breakerKey('breakerFailers'), workerId, nowText)
  if slowCounted then
    local transition = slowCallSettle(attemptId, S, now)
    if transition ~= '' then return 1, transition end
  end
  if redis.call('HLEN', breakerKey('breakerFailers')) < S.minWorkers then return 1, '' end
  if S.mode == 'consecutive' then
    if consecutive >= S.threshold then return 1, open('failure_threshold', now, S.resetMs) end
  else
    local calls = redis.call('ZCARD', breakerKey('breakerWindow'))
    local failures = redis.call('ZCARD', breakerKey('breakerWindowFailures'))
    if calls >= S.minimumVolume and failures / calls >= S.failureRate then
      return 1, open('failure_rate', now, S.resetMs)
    end
  end
  return 1, ''
end

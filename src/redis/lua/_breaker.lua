--[[
  Shared pieces of the circuit breaker scripts (included at load time by src/redis/scripts.ts).

  Every breaker script takes one key, the breaker's base key `<prefix>:breaker:{<prefix>:<provider>}`,
  and derives the others from it. They all carry the base key's {hash tag}, so they live in its
  Cluster slot. (One key and few arguments keep the call cheap: it is on every LLM call's path.)
    K.breaker         HASH  state, consecutive, halfOpenSuccesses, openUntil, lastSuccessAt
    K.inflight        ZSET  attemptId -> lease expiry (ms): every admitted, unsettled attempt
    K.probes          ZSET  attemptId -> lease expiry (ms): the HALF_OPEN probes among them
    K.window          ZSET  attemptId -> settle time: counted outcomes in the sliding window
    K.windowFailures  ZSET  attemptId -> settle time: the failures among them
    K.failers         HASH  workerId -> time of its last counted failure
    K.stats           HASH  counters (probes, success, failure, rate_limited, neutral, rejected_*, ...)

  The settings come packed in one argument, comma-separated, in this order:
    mode, failureThreshold, resetMs, halfOpenProbes, halfOpenProbability, successThreshold,
    halfOpenRetryMs, windowMs, failureRate, minimumVolume, minDistinctWorkers
  Time is Redis time (TIME), unless a test passes an explicit clock.
]]
local base = KEYS[1]
local K = {
  breaker = base .. ':state', inflight = base .. ':inflight', probes = base .. ':probes',
  window = base .. ':window', windowFailures = base .. ':window-failures', failers = base .. ':failers',
  stats = base .. ':stats',
}

local function settings(packed)
  local v = {}
  for item in string.gmatch(packed, '[^,]+') do v[#v + 1] = item end
  return {
    mode = v[1], threshold = tonumber(v[2]), resetMs = tonumber(v[3]), maxProbes = tonumber(v[4]),
    probability = tonumber(v[5]), successThreshold = tonumber(v[6]), retryMs = tonumber(v[7]),
    windowMs = tonumber(v[8]), failureRate = tonumber(v[9]), minimumVolume = tonumber(v[10]),
    minWorkers = tonumber(v[11]),
  }
end

local function clock(override)
  if override ~= nil and override ~= '' then return tonumber(override) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function field(name, default)
  local value = redis.call('HGET', K.breaker, name)
  if value == false then return default end
  return value
end

local function numberField(name)
  return tonumber(field(name, '0'))
end

-- Drops leases whose worker never settled them (it died, or its call outlived the lease).
local function expireLeases(now)
  local expired = redis.call('ZREMRANGEBYSCORE', K.inflight, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', K.probes, '-inf', now)
  if expired > 0 then redis.call('HINCRBY', K.stats, 'leases_expired', expired) end
end

local function pruneWindow(now, windowMs, mode)
  local since = now - windowMs
  redis.call('ZREMRANGEBYSCORE', K.window, '-inf', since)
  redis.call('ZREMRANGEBYSCORE', K.windowFailures, '-inf', since)
  if mode == 'rate' then
    local entries = redis.call('HGETALL', K.failers)
    for i = 1, #entries, 2 do
      if tonumber(entries[i + 1]) <= since then redis.call('HDEL', K.failers, entries[i]) end
    end
  end
end

local function counts()
  return {
    consecutiveFailures = numberField('consecutive'),
    halfOpenSuccesses = numberField('halfOpenSuccesses'),
    windowCalls = redis.call('ZCARD', K.window),
    windowFailures = redis.call('ZCARD', K.windowFailures),
    distinctFailingWorkers = redis.call('HLEN', K.failers),
  }
end

local function clearCounters()
  redis.call('HSET', K.breaker, 'consecutive', 0, 'halfOpenSuccesses', 0)
  redis.call('DEL', K.failers, K.window, K.windowFailures)
end

-- Moves the breaker to `to` and returns the transition as JSON.
local function moveTo(to, reason, now)
  local transition = { from = field('state', 'CLOSED'), to = to, reason = reason, at = now, counts = counts() }
  redis.call('HSET', K.breaker, 'state', to)
  if to == 'HALF_OPEN' then
    redis.call('HSET', K.breaker, 'halfOpenSuccesses', 0)
    local probes = redis.call('ZRANGE', K.probes, 0, -1)
    for _, id in ipairs(probes) do redis.call('ZREM', K.inflight, id) end
    redis.call('DEL', K.probes)
  elseif to == 'CLOSED' then
    clearCounters()
  elseif to == 'OPEN' then
    redis.call('HSET', K.breaker, 'halfOpenSuccesses', 0)
  end
  redis.call('HINCRBY', K.stats, 'transitions', 1)
  redis.call('HINCRBY', K.stats, 'transitions_to_' .. string.lower(to), 1)
  return cjson.encode(transition)
end

local function open(reason, now, resetMs)
  local transition = moveTo('OPEN', reason, now)
  redis.call('HSET', K.breaker, 'openUntil', now + resetMs)
  return transition
end

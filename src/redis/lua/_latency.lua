--[[
  The rolling latency of successful calls, per provider and model (a shared piece; needs _common.lua).
  Settle records a sample; admit reads what the adaptive call timeout is derived from.

  Two distributions per provider and model: `total` (the whole call) and `firstToken` (a stream's
  time to its first token). Each is a ring of the last LATENCY_WINDOW samples, in ms: the LIST
  `latencySamples(kind, provider, model)`, pushed on the left and trimmed to the window, so its size
  is bounded whatever the traffic. A ring, not a time-bucketed histogram: its p95 is exact over the
  last calls, it follows a model that turns slow within one window of calls (however long they took),
  and it needs no bucket bounds that would have to fit both a 200 ms model and a 2 minute one.

  Its p95 (nearest rank) is computed on the settle that records a sample (a successful call's, in
  the round trip it already makes) and kept with the sample count in the HASH
  `latencySummary(provider, model)`: admit reads four fields of one key, whatever the window's size.
  Sorting the window costs more than the rest of a settle, so once the ring is full the p95 is
  computed again every LATENCY_REFRESH samples only (it lags at most that many calls); until then,
  on every sample. Both keys expire LATENCY_IDLE_MS after their last refresh, so a model no longer
  called leaves nothing behind.
]]
local LATENCY_WINDOW = 100
local LATENCY_REFRESH = 10
local LATENCY_IDLE_MS = 7 * 86400000

-- The p95 by nearest rank of `samples` (texts, as LRANGE returns them; at least one).
local function latencyP95(samples)
  for i = 1, #samples do samples[i] = tonumber(samples[i]) end
  table.sort(samples)
  return samples[math.ceil(0.95 * #samples)]
end

-- Records `ms` ('' = nothing) as a sample of distribution `kind` ('total' or 'firstToken').
local function latencyRecord(provider, model, kind, ms)
  if ms == '' then return end
  local ring, summary = KEY.latencySamples(kind, provider, model), KEY.latencySummary(provider, model)
  redis.call('LPUSH', ring, ms)
  redis.call('LTRIM', ring, 0, LATENCY_WINDOW - 1)
  local pushes = redis.call('HINCRBY', summary, kind .. 'Pushes', 1)
  if pushes > LATENCY_WINDOW and pushes % LATENCY_REFRESH ~= 0 then return end
  local samples = redis.call('LRANGE', ring, 0, -1)
  local count = #samples
  redis.call('HSET', summary, kind .. 'P95', integerText(latencyP95(samples)), kind .. 'Samples', count)
  redis.call('PEXPIRE', ring, LATENCY_IDLE_MS)
  redis.call('PEXPIRE', summary, LATENCY_IDLE_MS)
end

-- { total p95, total samples, first-token p95, first-token samples } of `model` (0s when none yet).
local function latencyRead(provider, model)
  local v = redis.call('HMGET', KEY.latencySummary(provider, model), 'totalP95', 'totalSamples',
    'firstTokenP95', 'firstTokenSamples')
  return { tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0 }
end

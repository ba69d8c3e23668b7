--[[
  Rate limits shared by every worker, per provider, per operation and per tool; a shared piece, needs
  _common.lua, _breaker.lua and _requestring.lua.

  Requests are limited exactly: at most `rpm` admissions in any 60 s (the ring of _requestring.lua),
  and at most `burst` at once (a bucket). Tokens are limited by a bucket only, so a minute that starts
  with a full token bucket may take up to `tpm + tokenBurst`. Each call's requests, tokens and the
  time (ms) they were counted at:
    requests  capacity `burst`, refilled at `rpm` per minute; each call takes 1, and is admitted only
              when the ring holds fewer than `rpm` admissions in the last 60.25 s
    tokens    capacity `tokenBurst`, refilled at `tpm` per minute; each call takes its worst-case
              tokens (capped at the capacity, so a large call still passes on a full bucket), and
              gets back what it did not use when it settles
  A provider's (or a tool's: breaker `tool:<name>`) buckets are the fields rateRequests, rateTokens and
  rateAt of its breaker's state hash, its refunds since the last admission the field rateRefunds, and
  its ring's state the field rateRing, its ring the key KEY.breakerRequests: the breaker's own read and
  writes carry them. An operation's buckets are the string key KEY.rateLimit('op:<operation>') =
  "requests,tokens,atMs[,<ring state>]", expiring after 10 idle minutes, with ",<tokens>" appended for
  each refund (one write, no read), and its ring the key KEY.rateRequests('op:<operation>'). The next
  admission adds the refunds up and writes the buckets back. A rate of 0 turns that limit off.
  Settings are 4 numbers: rpm, tpm, burst, tokenBurst (both rates 0: no rate limit).
]]
-- The settings from 4 numbers of `v` starting at `i`; nil when both rates are 0 (no limit).
local function rateFrom(v, i)
  if v[i] <= 0 and v[i + 1] <= 0 then return nil end
  return { rpm = v[i], tpm = v[i + 1], burst = v[i + 2], tokenBurst = v[i + 3] }
end

-- The three fields of a bucket's text, and the refunds appended to it.
local BUCKET_FIELDS = '^([^,]*),([^,]*),([^,]*)(.*)$'
local BUCKET_RING = '^,(%d+:%d+)(.*)$'
local REFUND = ',([^,]+)'

-- What `rateDecide` returns for no limit (shared: callers only read it).
local NO_RATE_LIMIT = { ok = true }

--[[
  The buckets as stored (`requests` nil: full), with `refunded` tokens more, refilled to `now`.
  Returns requests, tokens: what each bucket holds now.
]]
local function rateRefill(R, requests, available, at, refunded, now)
  if requests == nil then return R.burst, R.tokenBurst end
  -- Refunds are capped as the refill is: adding them first and capping once is the same.
  available = math.min(R.tokenBurst, available + refunded)
  local elapsed = math.max(0, now - at)
  if R.rpm > 0 then requests = math.min(R.burst, requests + elapsed * R.rpm / 60000) end
  if R.tpm > 0 then available = math.min(R.tokenBurst, available + elapsed * R.tpm / 60000) end
  return requests, available
end

--[[
  The buckets as stored (`requests` nil: full), with `refunded` tokens more, refilled to `now`.
  Returns { ok, retryAfterMs } or { ok, requests, tokens, need }: the refilled buckets and the take.
]]
local function rateDecide(R, requests, available, at, refunded, tokens, now)
  requests, available = rateRefill(R, requests, available, at, refunded, now)
  local wait = 0
  if R.rpm > 0 and requests < 1 then wait = math.ceil((1 - requests) * 60000 / R.rpm) end
  local need = math.min(tokens, R.tokenBurst)
  if R.tpm > 0 and available < need then
    wait = math.max(wait, math.ceil((need - available) * 60000 / R.tpm))
  end
  if wait > 0 then return { ok = false, retryAfterMs = wait } end
  if R.rpm > 0 then requests = requests - 1 end
  if R.tpm > 0 then available = available - need end
  return { ok = true, requests = requests, tokens = available }
end

--[[
  `plan` (rateDecide's) under the exact request limit too: refused while the ring at `key` (state text
  `ringText`) holds `rpm` admissions of the last 60.25 s, with the longer of the two waits. An admitted
  plan keeps the ring for its commit (rateRingCommit).
]]
local function rateRingGate(plan, R, key, ringText, now)
  if R.rpm <= 0 then return plan end
  local wait, ring = ringDecide(key, ringText, R.rpm, now)
  if wait > 0 then return { ok = false, retryAfterMs = math.max(wait, plan.retryAfterMs or 0) } end
  plan.ring = ring
  return plan
end

-- Records the admission `plan` (rateRingGate's) in its ring; returns the ring's new state text.
local function rateRingCommit(R, plan, now, sweeps, name)
  return ringCommit(plan.ring, R.rpm, now, sweeps, name)
end

-- The provider's buckets, as breakerDecide read them, with room for the call (NO_RATE_LIMIT: no limit).
local function providerRateDecide(R, breaker, tokens, now)
  if R == nil then return NO_RATE_LIMIT end
  local rate = breaker.rate
  local plan
  if not rate[5] then
    plan = rateDecide(R, nil, nil, nil, 0, tokens, now)
  else
    plan = rateDecide(R, tonumber(rate[5]), tonumber(rate[6]), tonumber(rate[7]), tonumber(rate[8] or '0'), tokens,
      now)
  end
  return rateRingGate(plan, R, breakerKey('breakerRequests'), rate[9], now)
end

-- Takes the call from the provider's buckets and ring, as `plan` (providerRateDecide's) found them, and
-- keeps the limit beside them (field rateLimit: rpm,tpm,burst,tokenBurst) for the breaker's status.
local function providerRateCommit(R, plan, now)
  if R == nil then return end
  local writes = { 'rateRequests', plan.requests, 'rateTokens', plan.tokens, 'rateAt', nowText, 'rateRefunds', '0',
    'rateLimit', R.rpm .. ',' .. R.tpm .. ',' .. R.burst .. ',' .. R.tokenBurst }
  if R.rpm > 0 then
    writes[11], writes[12] = 'rateRing', rateRingCommit(R, plan, now, breakerCached.sweeps, 'requests')
  end
  redis.call('HSET', breakerKey('breakerState'), unpack(writes))
end

local function operationRateDecide(operation, R, tokens, now)
  if R == nil then return NO_RATE_LIMIT end
  local bucket = 'op:' .. operation
  local raw = redis.call('GET', KEY.rateLimit(bucket))
  local plan, ringText
  if not raw then
    plan = rateDecide(R, nil, nil, nil, 0, tokens, now)
  else
    local requests, available, at, rest = string.match(raw, BUCKET_FIELDS)
    local ring, refunds = string.match(rest, BUCKET_RING)
    if ring then ringText = ring else refunds = rest end
    local refunded = 0
    for refund in string.gmatch(refunds, REFUND) do refunded = refunded + tonumber(refund) end
    plan = rateDecide(R, tonumber(requests), tonumber(available), tonumber(at), refunded, tokens, now)
  end
  return rateRingGate(plan, R, KEY.rateRequests(bucket), ringText, now)
end

local function operationRateCommit(operation, R, plan, now)
  local text = plan.requests .. ',' .. plan.tokens .. ',' .. now
  if R.rpm > 0 then text = text .. ',' .. rateRingCommit(R, plan, now, prefixCached().sweeps, 'ring:' .. operation) end
  redis.call('SET', KEY.rateLimit('op:' .. operation), text, 'PX', 600000)
end

-- The tokens of a settled call to give back to a rate limit: those it took and did not use.
local function rateRefundOf(R, unused)
  if R == nil or R.tpm <= 0 or unused <= 0 then return 0 end
  return unused
end

-- Gives back `refund` tokens (rateRefundOf) to the operation's bucket.
local function operationRateRefund(operation, refund)
  if refund <= 0 then return end
  local key, text = KEY.rateLimit('op:' .. operation), ',' .. refund
  -- APPEND keeps the bucket's expiry; a bucket that expired meanwhile is full again: nothing to refund.
  if redis.call('APPEND', key, text) == #text then redis.call('DEL', key) end
end

--[[
  The provider's rate limit as its last admission left it, refilled to `now`: { rpm, tpm, burst,
  tokenBurst, requests, tokens } (what each bucket holds now), or nil when no admission used one.
]]
local function providerRateStatus(now)
  local f = redis.call('HMGET', breakerKey('breakerState'), 'rateLimit', 'rateRequests', 'rateTokens', 'rateAt',
    'rateRefunds')
  if not f[1] then return nil end
  local values = split(f[1], ',')
  local R = rateFrom({ tonumber(values[1]), tonumber(values[2]), tonumber(values[3]), tonumber(values[4]) }, 1)
  if R == nil then return nil end
  local requests, tokens = rateRefill(R, tonumber(f[2]), tonumber(f[3]), tonumber(f[4]), tonumber(f[5] or '0'), now)
  return { rpm = R.rpm, tpm = R.tpm, burst = R.burst, tokenBurst = R.tokenBurst, requests = requests, tokens = tokens }
end

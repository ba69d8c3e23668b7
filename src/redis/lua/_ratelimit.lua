--[[
  Rate limits shared by every worker, per provider and per operation (a tool); a shared piece,
  needs _common.lua.

  Two token buckets in one string key KEY.rateLimit(bucket) = "requests,tokens,atMs", followed by
  ",<tokens>" for each refund since (a settle appends it: one write, no read; the next admission
  adds them up and writes the buckets back), where the bucket is a provider name or
  `op:<operation>` (expires after 10 minutes idle):
    requests  capacity `burst`, refilled at `rpm` per minute; each call takes 1
    tokens    capacity `tokenBurst`, refilled at `tpm` per minute; each call takes its worst-case
              tokens (capped at the capacity, so a large call still passes on a full bucket), and
              gets back what it did not use when it settles
  A rate of 0 turns that bucket off. Settings are 4 numbers: rpm, tpm, burst, tokenBurst (both rates
  0: no rate limit).
]]
-- The settings from 4 numbers of `v` starting at `i`; nil when both rates are 0 (no limit).
local function rateFrom(v, i)
  if v[i] <= 0 and v[i + 1] <= 0 then return nil end
  return { rpm = v[i], tpm = v[i + 1], burst = v[i + 2], tokenBurst = v[i + 3] }
end

-- The three fields of a bucket's value, and the refunds after them.
local BUCKET_FIELDS = '^([^,]*),([^,]*),([^,]*)(.*)$'
local REFUND = ',([^,]+)'

-- What `rateDecide` returns for no limit (shared: callers only read it).
local NO_RATE_LIMIT = { ok = true }

-- Returns { ok, retryAfterMs } or { ok, requests, tokens, need }: the refilled buckets and the take.
local function rateDecide(bucket, R, tokens, now)
  if R == nil then return NO_RATE_LIMIT end
  local requests, available, at = R.burst, R.tokenBurst, now
  local raw = redis.call('GET', KEY.rateLimit(bucket))
  if raw then
    local r, t, a, refunds = string.match(raw, BUCKET_FIELDS)
    requests, available, at = tonumber(r), tonumber(t), tonumber(a)
    -- Refunds are capped as the refill is: adding them first and capping once is the same.
    for refund in string.gmatch(refunds, REFUND) do available = available + tonumber(refund) end
    available = math.min(R.tokenBurst, available)
  end
  local elapsed = math.max(0, now - at)
  local wait = 0
  if R.rpm > 0 then
    requests = math.min(R.burst, requests + elapsed * R.rpm / 60000)
    if requests < 1 then wait = math.ceil((1 - requests) * 60000 / R.rpm) end
  end
  local need = math.min(tokens, R.tokenBurst)
  if R.tpm > 0 then
    available = math.min(R.tokenBurst, available + elapsed * R.tpm / 60000)
    if available < need then wait = math.max(wait, math.ceil((need - available) * 60000 / R.tpm)) end
  end
  if wait > 0 then return { ok = false, retryAfterMs = wait } end
  return { ok = true, requests = requests, tokens = available, need = need }
end

local function rateCommit(bucket, R, plan, now)
  if R == nil then return end
  local requests, available = plan.requests, plan.tokens
  if R.rpm > 0 then requests = requests - 1 end
  if R.tpm > 0 then available = available - plan.need end
  redis.call('SET', KEY.rateLimit(bucket), requests .. ',' .. available .. ',' .. now, 'PX', 600000)
end

-- Gives back tokens a settled call reserved but did not use.
local function rateRefund(bucket, R, unused)
  if R == nil or R.tpm <= 0 or unused <= 0 then return end
  local key, refund = KEY.rateLimit(bucket), ',' .. unused
  -- APPEND keeps the bucket's expiry; a bucket that expired meanwhile is full again: nothing to refund.
  if redis.call('APPEND', key, refund) == #refund then redis.call('DEL', key) end
end

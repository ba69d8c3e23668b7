--[[
  Budgets: reserve the worst case before a call, settle the actual cost after it, atomically across
  every scope (a shared piece; needs _common.lua). Money is integer micro-dollars.

  Scopes and their keys (the `budget*` keys of src/redis/keys.ts):
    operation     stateless: the most one call of an operation may cost
    run           KEY.budgetRun(runId)          spent, reserved, ceiling (per-run override)
    daily         KEY.budgetDaily(day)          spent, reserved (day = days since epoch, UTC)
    turn          KEY.budgetRun(runId)          turn:<turn>:tokensSpent, turn:<turn>:tokensReserved,
                                                turn:<turn>:calls (the LLM calls admitted, plus the tool
                                                calls their answers asked for, added at settle): a turn
                                                lives in its run's hash, so one read and one write serve both
  Ceilings: defaults come packed in an argument (5 little-endian doubles: run, operation, daily in
  micro-dollars, turnTokens, turnCalls; 0 = no limit); an operator may override them in
  KEY.budgetCeilings() (fields run, operation, operation:<name>, daily, turnTokens, turnCalls).
  Reservations: KEY.budgetReservations(), member "attemptId|runId|turn|day|micros|tokens",
  score = lease expiry; an expired one is released when it is in the way of an admission, by the
  budget status, and by a settle at most once per SWEEP_MS (its worker died).
  Released attempts: KEY.budgetReleased() (attemptId -> expiry), so their settle still charges once.
  Settled usage: KEY.budgetSettled() (usageId -> expiry), so a second charge of it charges nothing.

  A claim is { runId, turn, operation, micros, tokens } (empty runId or turn: no such scope).
]]
-- The budget key `name` that takes no parts (one per key prefix), built once.
local function prefixKey(name)
  local keys = prefixCached().keys
  local key = keys[name]
  if key == nil then
    key = KEY[name]()
    keys[name] = key
  end
  return key
end

-- The default ceilings from 5 numbers of `v` starting at `i`.
local function budgetDefaultsFrom(v, i)
  return { run = v[i], operation = v[i + 1], daily = v[i + 2], turnTokens = v[i + 3], turnCalls = v[i + 4] }
end

local function budgetDefaults(packed)
  return budgetDefaultsFrom({ struct.unpack('<ddddd', packed) }, 1)
end

--[[
  Names built once and kept (strings cost on this hot path): a turn's fields in its run's hash, a
  run's key, today's day number and key.
]]
local MAX_CACHED_NAMES = 4096
local turnFieldsCache, cachedTurns = {}, 0

-- Turn `turn`'s fields in its run's hash: { tokensSpent, tokensReserved, calls }.
local function turnFields(turn)
  local fields = turnFieldsCache[turn]
  if fields == nil then
    if cachedTurns >= MAX_CACHED_NAMES then turnFieldsCache, cachedTurns = {}, 0 end
    local name = 'turn:' .. turn .. ':'
    fields = { tokensSpent = name .. 'tokensSpent', tokensReserved = name .. 'tokensReserved', calls = name .. 'calls' }
    turnFieldsCache[turn], cachedTurns = fields, cachedTurns + 1
  end
  return fields
end

local function turnField(turn, name)
  return turnFields(turn)[name]
end

-- KEY.budgetRun(runId), kept per key prefix.
local function runKey(runId)
  local cached = prefixCached()
  local keys = cached.runKeys
  if keys == nil or cached.runKeyCount >= MAX_CACHED_NAMES then
    keys = {}
    cached.runKeys, cached.runKeyCount = keys, 0
  end
  local key = keys[runId]
  if key == nil then
    key = KEY.budgetRun(runId)
    keys[runId], cached.runKeyCount = key, cached.runKeyCount + 1
  end
  return key
end

-- The UTC day of `now` (days since the epoch, as text) and its KEY.budgetDaily, kept per key prefix.
local function dayOf(now)
  local cached = prefixCached()
  local number = math.floor(now / 86400000)
  if cached.day ~= number then
    local day = tostring(number)
    cached.day, cached.dayText, cached.dayKey = number, day, KEY.budgetDaily(day)
  end
  return cached.dayText, cached.dayKey
end

-- A reservation member's fields: attemptId, runId, turn, day, micros, tokens.
local MEMBER_FIELDS = '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$'

--[[
  Expiry refreshed only when needed: PEXPIRE of a key this library set to expire at about the same
  time (within SWEEP_MS, or a tenth of the TTL when that is shorter) is skipped. Keys are deleted only
  by their expiry, which the skipped refresh would not have moved by more than that.
]]
local MAX_CACHED_EXPIRIES = 10000
local expiryCache, cachedExpiries = {}, 0
local function refreshExpiry(key, ttlMs, now)
  local expiresAt, known = now + ttlMs, expiryCache[key]
  if known ~= nil and math.abs(expiresAt - known) <= math.min(SWEEP_MS, ttlMs / 10) then return end
  redis.call('PEXPIRE', key, ttlMs)
  if known == nil then
    if cachedExpiries >= MAX_CACHED_EXPIRIES then expiryCache, cachedExpiries = {}, 0 end
    cachedExpiries = cachedExpiries + 1
  end
  expiryCache[key] = expiresAt
end

-- Releases what one reservation holds in every scope, and records that its attempt has not settled
-- yet (see budgetSettle).
local function release(member, now)
  local attemptId, runId, turn, day, micros, tokens = string.match(member, MEMBER_FIELDS)
  micros, tokens = tonumber(micros), tonumber(tokens)
  if runId ~= '' then redis.call('HINCRBY', KEY.budgetRun(runId), 'reserved', -micros) end
  if day ~= '' then redis.call('HINCRBY', KEY.budgetDaily(day), 'reserved', -micros) end
  if turn ~= '' then redis.call('HINCRBY', KEY.budgetRun(runId), turnField(turn, 'tokensReserved'), -tokens) end
  redis.call('ZADD', prefixKey('budgetReleased'), now + 86400000, attemptId)
end

local function expireReservations(now)
  local expired = redis.call('ZRANGEBYSCORE', prefixKey('budgetReservations'), '-inf', now, 'LIMIT', 0, 100)
  for _, member in ipairs(expired) do
    release(member, now)
    redis.call('ZREM', prefixKey('budgetReservations'), member)
  end
  if #expired > 0 then redis.call('HINCRBY', prefixKey('budgetStats'), 'reservations_expired', #expired) end
  redis.call('ZREMRANGEBYSCORE', prefixKey('budgetReleased'), '-inf', now)
end

--[[
  The operator's ceiling overrides (see budgetCheck). Most deployments have none: once EXISTS found
  none, they are taken as none for SWEEP_MS (budget-control's `set` forgets that at once; a write
  to the key from elsewhere applies within SWEEP_MS).
]]
local NO_OVERRIDES = {}
local function ceilingOverrides(operation, now)
  local cached = prefixCached()
  local checkedAt = cached.noCeilingsAt
  if checkedAt ~= nil and now >= checkedAt and now - checkedAt < SWEEP_MS then return NO_OVERRIDES end
  if redis.call('EXISTS', prefixKey('budgetCeilings')) == 0 then
    cached.noCeilingsAt = now
    return NO_OVERRIDES
  end
  cached.noCeilingsAt = nil
  return redis.call('HMGET', prefixKey('budgetCeilings'), 'run', 'daily', 'turnTokens', 'turnCalls',
    'operation:' .. operation, 'operation')
end

local function limitOf(override, default)
  if override then return tonumber(override) end
  return default
end

-- The budget decision of a call without a claim (shared: callers only read it).
local NO_CLAIM = { ok = true, day = '' }

--[[
  Checks a claim against every scope. Returns one of:
    { ok = true, day, run }                             every scope has room (run: what the commit
                                                        writes back to the run's hash: its reserved
                                                        and the turn's tokensReserved and calls)
    { final = scope, retryAfterMs }                     spent + worst case passes a ceiling: refused
    { busy = scope }                                    only reservations in flight are in the way: wait
  (`retryAfterMs` is when the scope resets; 0 when it never does.)
]]
local function budgetCheck(claim, D, now)
  local c = ceilingOverrides(claim.operation, now)
  local operationLimit = limitOf(c[5] or c[6], D.operation)
  if operationLimit > 0 and claim.micros > operationLimit then return { final = 'operation', retryAfterMs = 0 } end
  local busy = nil

  -- The run's hash holds its turns too: one read for both scopes.
  local r = nil
  if claim.turn ~= '' then
    local t = turnFields(claim.turn)
    r = redis.call('HMGET', runKey(claim.runId), 'spent', 'reserved', 'ceiling', t.tokensSpent, t.tokensReserved, t.calls)
  elseif claim.runId ~= '' then
    r = redis.call('HMGET', runKey(claim.runId), 'spent', 'reserved', 'ceiling')
  end

  if claim.runId ~= '' then
    local limit = limitOf(r[3], limitOf(c[1], D.run))
    if limit > 0 then
      local spent = tonumber(r[1] or '0')
      if spent + claim.micros > limit then return { final = 'run', retryAfterMs = 0 } end
      if spent + tonumber(r[2] or '0') + claim.micros > limit then busy = 'run' end
    end
  end

  local day, dayKey = '', nil
  local dailyLimit = limitOf(c[2], D.daily)
  if dailyLimit > 0 then
    day, dayKey = dayOf(now)
    local d = redis.call('HMGET', dayKey, 'spent', 'reserved')
    local spent = tonumber(d[1] or '0')
    if spent + claim.micros > dailyLimit then
      return { final = 'daily', retryAfterMs = (tonumber(day) + 1) * 86400000 - now }
    end
    if busy == nil and spent + tonumber(d[2] or '0') + claim.micros > dailyLimit then busy = 'daily' end
  end

  if claim.turn ~= '' then
    local limit = limitOf(c[3], D.turnTokens)
    if limit > 0 then
      local spent = tonumber(r[4] or '0')
      if spent + claim.tokens > limit then return { final = 'turn_tokens', retryAfterMs = 0 } end
      if busy == nil and spent + tonumber(r[5] or '0') + claim.tokens > limit then busy = 'turn_tokens' end
    end
    local callLimit = limitOf(c[4], D.turnCalls)
    if callLimit > 0 and tonumber(r[6] or '0') >= callLimit then
      return { final = 'turn_tool_calls', retryAfterMs = 0 }
    end
  end

  if busy then return { busy = busy } end
  return { ok = true, day = day, dayKey = dayKey, run = r }
end

--[[
  Checks a claim against every scope. Returns one of:
    { ok = true, day }                                  every scope has room
    { final = scope, retryAfterMs }                     spent + worst case passes a ceiling: refused
    { busy = scope }                                    only reservations in flight are in the way: wait
  (`retryAfterMs` is when the scope resets; 0 when it never does.) Reservations of dead workers are
  released only when they are in the way, to keep the common path short.
]]
local function budgetDecide(claim, D, now)
  local decision = budgetCheck(claim, D, now)
  if decision.ok or decision.final then return decision end
  expireReservations(now)
  return budgetCheck(claim, D, now)
end

-- Reserves the claim in every scope, as `decision` (budgetDecide's) found them; returns the
-- reservation's member (what settle hands back).
local function budgetCommit(attemptId, claim, decision, expiresAt)
  local day = decision.day
  local member = attemptId .. '|' .. claim.runId .. '|' .. claim.turn .. '|' .. day .. '|' .. claim.microsText .. '|' ..
    claim.tokensText
  redis.call('ZADD', prefixKey('budgetReservations'), expiresAt, member)
  local r = decision.run
  if claim.turn ~= '' then
    -- The run's and the turn's fields in one write, from the values the check read in this same script.
    local t = turnFields(claim.turn)
    local fields = { t.tokensReserved, integerText(tonumber(r[5] or '0') + claim.tokens), t.calls,
      integerText(tonumber(r[6] or '0') + 1) }
    if claim.runId ~= '' then
      fields[5], fields[6] = 'reserved', integerText(tonumber(r[2] or '0') + claim.micros)
    end
    redis.call('HSET', runKey(claim.runId), unpack(fields))
  elseif claim.runId ~= '' then
    redis.call('HSET', runKey(claim.runId), 'reserved', integerText(tonumber(r[2] or '0') + claim.micros))
  end
  if day ~= '' then redis.call('HINCRBY', decision.dayKey, 'reserved', claim.microsText) end
  return member
end

-- Records that usage `attemptId` (charged without a reservation) settled (for a day); false when it
-- already had. Expired records are swept now and then (sweepDue), so one still there counts only while
-- it has not expired.
local function markSettled(attemptId, now)
  local key, expiresAt = prefixKey('budgetSettled'), now + 86400000
  if sweepDue(prefixCached().sweeps, 'settled', now) then redis.call('ZREMRANGEBYSCORE', key, '-inf', now) end
  if redis.call('ZADD', key, 'NX', expiresAt, attemptId) == 1 then return true end
  if tonumber(redis.call('ZSCORE', key, attemptId)) > now then return false end
  redis.call('ZADD', key, expiresAt, attemptId)
  return true
end

-- Adds `deltas` ({ field, amount, ... }) to the fields of hash `key`: one read and one write.
local function addToFields(key, deltas)
  local names = {}
  for i = 1, #deltas, 2 do names[#names + 1] = deltas[i] end
  local values = redis.call('HMGET', key, unpack(names))
  local fields = {}
  for i = 1, #names do
    fields[2 * i - 1], fields[2 * i] = names[i], integerText(tonumber(values[i] or '0') + deltas[2 * i])
  end
  redis.call('HSET', key, unpack(fields))
end

-- Spend past this share of a ceiling raises alert `budget_threshold` (_alerts.lua), once per crossing.
local BUDGET_ALERT_SHARE = 0.9

-- Raises `budget_threshold` when a charge of `micros` moved a scope's spend across the share of `limit`;
-- `alert` names the scope ({ scope = 'run', runId } or { scope = 'daily', day }).
local function budgetCrossing(alert, spentAfter, micros, limit, now)
  if limit <= 0 or micros <= 0 then return end
  local mark = limit * BUDGET_ALERT_SHARE
  if spentAfter >= mark and spentAfter - micros < mark then
    alert.spentMicros, alert.limitMicros, alert.share = spentAfter, limit, BUDGET_ALERT_SHARE
    raiseAlert('budget_threshold', alert, now)
  end
end

--[[
  Settles an attempt once: releases its reservation (if it still holds one) and charges the actual
  cost to the scopes in `member` (a reservation member, or "attemptId|runId|turn|*||" for usage
  recorded without one, charged to today). `actual` is { micros, microsText, tokens, toolCalls }: the turn is
  charged the tokens and counts the tool calls the answer asked for. Returns 1, or 0 when this
  attempt was already settled.

  An attempt settles once: its reservation is removed when it settles; one whose lease expired
  first was released by expireReservations, which leaves a record (KEY.budgetReleased) that its
  settle removes. Neither there: it settled already. Usage records in KEY.budgetSettled.
  A charge that moves the run's or the day's spend across 90 % of its ceiling (`D`, the default
  ceilings, or an operator's override) raises alert `budget_threshold`.
]]
local function budgetSettle(attemptId, member, actual, ttlMs, now, D)
  if sweepDue(prefixCached().sweeps, 'reservations', now) then expireReservations(now) end
  local _, runId, turn, day, micros, tokens = string.match(member, MEMBER_FIELDS)
  local held, dayKey = false, nil
  if day == '*' then
    if not markSettled(attemptId, now) then return 0 end
    day, dayKey = dayOf(now)
  else
    held = redis.call('ZREM', prefixKey('budgetReservations'), member) == 1
    if not held and redis.call('ZREM', prefixKey('budgetReleased'), attemptId) == 0 then return 0 end
  end
  -- Each scope's reservation (when it still holds one) is released where its cost is charged.
  if runId ~= '' or turn ~= '' then
    local deltas = {}
    if runId ~= '' then
      deltas[1], deltas[2] = 'spent', actual.micros
      if held then deltas[3], deltas[4] = 'reserved', -tonumber(micros) end
    end
    if turn ~= '' then
      local t, n = turnFields(turn), #deltas
      deltas[n + 1], deltas[n + 2] = t.tokensSpent, actual.tokens
      if held then
        deltas[n + 3], deltas[n + 4] = t.tokensReserved, -tonumber(tokens)
        n = n + 2
      end
      if actual.toolCalls > 0 then deltas[n + 3], deltas[n + 4] = t.calls, actual.toolCalls end
    end
    local key = runKey(runId)
    addToFields(key, deltas)
    refreshExpiry(key, ttlMs, now)
    if runId ~= '' and actual.micros > 0 then
      local run = redis.call('HMGET', key, 'spent', 'ceiling')
      local limit = limitOf(run[2], limitOf(ceilingOverrides('', now)[1], D.run))
      budgetCrossing({ scope = 'run', runId = runId }, tonumber(run[1]), actual.micros, limit, now)
    end
  end
  if day ~= '' then
    local key = dayKey
    if key == nil then
      local today, todayKey = dayOf(now)
      key = day == today and todayKey or KEY.budgetDaily(day)
    end
    if held then redis.call('HINCRBY', key, 'reserved', integerText(-tonumber(micros))) end
    local spent = redis.call('HINCRBY', key, 'spent', actual.microsText)
    refreshExpiry(key, 2 * 86400000, now)
    local dailyLimit = limitOf(ceilingOverrides('', now)[2], D.daily)
    budgetCrossing({ scope = 'daily', day = tonumber(day) }, spent, actual.micros, dailyLimit, now)
  end
  return 1
end

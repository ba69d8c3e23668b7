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

-- Turn `turn`'s field `name` in its run's hash.
local function turnField(turn, name)
  return 'turn:' .. turn .. ':' .. name
end

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
  local f = split(member, '|')
  local attemptId, runId, turn, day, micros, tokens = f[1], f[2], f[3], f[4], tonumber(f[5]), tonumber(f[6])
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

-- The operator's ceiling overrides (see budgetCheck); most deployments have none, and one EXISTS
-- costs less than reading six missing fields.
local NO_OVERRIDES = {}
local function ceilingOverrides(operation)
  if redis.call('EXISTS', prefixKey('budgetCeilings')) == 0 then return NO_OVERRIDES end
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
  local c = ceilingOverrides(claim.operation)
  local operationLimit = limitOf(c[5] or c[6], D.operation)
  if operationLimit > 0 and claim.micros > operationLimit then return { final = 'operation', retryAfterMs = 0 } end
  local busy = nil

  -- The run's hash holds its turns too: one read for both scopes.
  local r = nil
  if claim.turn ~= '' then
    r = redis.call('HMGET', KEY.budgetRun(claim.runId), 'spent', 'reserved', 'ceiling',
      turnField(claim.turn, 'tokensSpent'), turnField(claim.turn, 'tokensReserved'), turnField(claim.turn, 'calls'))
  elseif claim.runId ~= '' then
    r = redis.call('HMGET', KEY.budgetRun(claim.runId), 'spent', 'reserved', 'ceiling')
  end

  if claim.runId ~= '' then
    local limit = limitOf(r[3], limitOf(c[1], D.run))
    if limit > 0 then
      local spent = tonumber(r[1] or '0')
      if spent + claim.micros > limit then return { final = 'run', retryAfterMs = 0 } end
      if spent + tonumber(r[2] or '0') + claim.micros > limit then busy = 'run' end
    end
  end

  local day = ''
  local dailyLimit = limitOf(c[2], D.daily)
  if dailyLimit > 0 then
    day = tostring(math.floor(now / 86400000))
    local d = redis.call('HMGET', KEY.budgetDaily(day), 'spent', 'reserved')
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
  return { ok = true, day = day, run = r }
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
  local member = table.concat({ attemptId, claim.runId, claim.turn, day, claim.micros, claim.tokens }, '|')
  redis.call('ZADD', prefixKey('budgetReservations'), expiresAt, member)
  local r = decision.run
  if claim.turn ~= '' then
    -- The run's and the turn's fields in one write, from the values the check read in this same script.
    local turn = claim.turn
    local fields = { turnField(turn, 'tokensReserved'), tonumber(r[5] or '0') + claim.tokens,
      turnField(turn, 'calls'), tonumber(r[6] or '0') + 1 }
    if claim.runId ~= '' then
      fields[5], fields[6] = 'reserved', tonumber(r[2] or '0') + claim.micros
    end
    redis.call('HSET', KEY.budgetRun(claim.runId), unpack(fields))
  elseif claim.runId ~= '' then
    redis.call('HSET', KEY.budgetRun(claim.runId), 'reserved', tonumber(r[2] or '0') + claim.micros)
  end
  if day ~= '' then redis.call('HINCRBY', KEY.budgetDaily(day), 'reserved', claim.micros) end
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
    fields[2 * i - 1], fields[2 * i] = names[i], tonumber(values[i] or '0') + deltas[2 * i]
  end
  redis.call('HSET', key, unpack(fields))
end

--[[
  Settles an attempt once: releases its reservation (if it still holds one) and charges the actual
  cost to the scopes in `member` (a reservation member, or "attemptId|runId|turn|*||" for usage
  recorded without one, charged to today). `actual` is { micros, tokens, toolCalls }: the turn is
  charged the tokens and counts the tool calls the answer asked for. Returns 1, or 0 when this
  attempt was already settled.

  An attempt settles once: its reservation is removed when it settles; one whose lease expired
  first was released by expireReservations, which leaves a record (KEY.budgetReleased) that its
  settle removes. Neither there: it settled already. Usage records in KEY.budgetSettled.
]]
local function budgetSettle(attemptId, member, actual, ttlMs, now)
  if sweepDue(prefixCached().sweeps, 'reservations', now) then expireReservations(now) end
  local f = split(member, '|')
  local runId, turn, day = f[2], f[3], f[4]
  local held = false
  if day == '*' then
    if not markSettled(attemptId, now) then return 0 end
    day = tostring(math.floor(now / 86400000))
  else
    held = redis.call('ZREM', prefixKey('budgetReservations'), member) == 1
    if not held and redis.call('ZREM', prefixKey('budgetReleased'), attemptId) == 0 then return 0 end
  end
  -- Each scope's reservation (when it still holds one) is released where its cost is charged.
  if runId ~= '' or turn ~= '' then
    local deltas = {}
    if runId ~= '' then
      deltas[1], deltas[2] = 'spent', actual.micros
      if held then deltas[3], deltas[4] = 'reserved', -tonumber(f[5]) end
    end
    if turn ~= '' then
      local n = #deltas
      deltas[n + 1], deltas[n + 2] = turnField(turn, 'tokensSpent'), actual.tokens
      if held then
        deltas[n + 3], deltas[n + 4] = turnField(turn, 'tokensReserved'), -tonumber(f[6])
        n = n + 2
      end
      if actual.toolCalls > 0 then deltas[n + 3], deltas[n + 4] = turnField(turn, 'calls'), actual.toolCalls end
    end
    local key = KEY.budgetRun(runId)
    addToFields(key, deltas)
    refreshExpiry(key, ttlMs, now)
  end
  if day ~= '' then
    local key = KEY.budgetDaily(day)
    if held then redis.call('HINCRBY', key, 'reserved', -tonumber(f[5])) end
    redis.call('HINCRBY', key, 'spent', actual.micros)
    refreshExpiry(key, 2 * 86400000, now)
  end
  return 1
end

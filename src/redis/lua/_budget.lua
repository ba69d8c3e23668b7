--[[
  Budgets: reserve the worst case before a call, settle the actual cost after it, atomically across
  every scope (a shared piece; needs _common.lua). Money is integer micro-dollars.

  Scopes and their keys (the `budget*` keys of src/redis/keys.ts):
    operation     stateless: the most one call of an operation may cost
    run           KEY.budgetRun(runId)          spent, reserved, ceiling (per-run override)
    daily         KEY.budgetDaily(day)          spent, reserved (day = days since epoch, UTC)
    turn          KEY.budgetTurn(runId, turn)   tokensSpent, tokensReserved, calls (the LLM calls admitted,
                                                plus the tool calls their answers asked for, added at settle)
  Ceilings: defaults come packed in an argument (5 little-endian doubles: run, operation, daily in
  micro-dollars, turnTokens, turnCalls; 0 = no limit); an operator may override them in
  KEY.budgetCeilings() (fields run, operation, operation:<name>, daily, turnTokens, turnCalls).
  Reservations: KEY.budgetReservations(), member "attemptId|runId|turn|day|micros|tokens",
  score = lease expiry; an expired one is released by the next script that looks (its worker died).
  Settled attempts: KEY.budgetSettled() (attemptId -> expiry), so a second settle charges nothing.

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

-- Releases what one reservation holds in every scope.
local function release(member)
  local f = split(member, '|')
  local runId, turn, day, micros, tokens = f[2], f[3], f[4], tonumber(f[5]), tonumber(f[6])
  if runId ~= '' then redis.call('HINCRBY', KEY.budgetRun(runId), 'reserved', -micros) end
  if day ~= '' then redis.call('HINCRBY', KEY.budgetDaily(day), 'reserved', -micros) end
  if turn ~= '' then redis.call('HINCRBY', KEY.budgetTurn(runId, turn), 'tokensReserved', -tokens) end
end

local function expireReservations(now)
  local expired = redis.call('ZRANGEBYSCORE', prefixKey('budgetReservations'), '-inf', now, 'LIMIT', 0, 100)
  for _, member in ipairs(expired) do
    release(member)
    redis.call('ZREM', prefixKey('budgetReservations'), member)
  end
  if #expired > 0 then redis.call('HINCRBY', prefixKey('budgetStats'), 'reservations_expired', #expired) end
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
    { ok = true, day, turn }                            every scope has room (turn: the turn's
                                                        tokensReserved and calls, when it has a turn)
    { final = scope, retryAfterMs }                     spent + worst case passes a ceiling: refused
    { busy = scope }                                    only reservations in flight are in the way: wait
  (`retryAfterMs` is when the scope resets; 0 when it never does.)
]]
local function budgetCheck(claim, D, now)
  local c = ceilingOverrides(claim.operation)
  local operationLimit = limitOf(c[5] or c[6], D.operation)
  if operationLimit > 0 and claim.micros > operationLimit then return { final = 'operation', retryAfterMs = 0 } end
  local busy = nil

  if claim.runId ~= '' then
    local r = redis.call('HMGET', KEY.budgetRun(claim.runId), 'spent', 'reserved', 'ceiling')
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

  local turn = nil
  if claim.turn ~= '' then
    local t = redis.call('HMGET', KEY.budgetTurn(claim.runId, claim.turn), 'tokensSpent', 'tokensReserved', 'calls')
    turn = { tokensReserved = tonumber(t[2] or '0'), calls = tonumber(t[3] or '0') }
    local limit = limitOf(c[3], D.turnTokens)
    if limit > 0 then
      local spent = tonumber(t[1] or '0')
      if spent + claim.tokens > limit then return { final = 'turn_tokens', retryAfterMs = 0 } end
      if busy == nil and spent + tonumber(t[2] or '0') + claim.tokens > limit then busy = 'turn_tokens' end
    end
    local callLimit = limitOf(c[4], D.turnCalls)
    if callLimit > 0 and tonumber(t[3] or '0') >= callLimit then
      return { final = 'turn_tool_calls', retryAfterMs = 0 }
    end
  end

  if busy then return { busy = busy } end
  return { ok = true, day = day, turn = turn }
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
  if claim.runId ~= '' then redis.call('HINCRBY', KEY.budgetRun(claim.runId), 'reserved', claim.micros) end
  if day ~= '' then redis.call('HINCRBY', KEY.budgetDaily(day), 'reserved', claim.micros) end
  if claim.turn ~= '' then
    -- Both fields in one write, from the values the check read in this same script.
    local turn = decision.turn
    redis.call('HSET', KEY.budgetTurn(claim.runId, claim.turn), 'tokensReserved', turn.tokensReserved + claim.tokens,
      'calls', turn.calls + 1)
  end
  return member
end

-- Records that `attemptId` settled (for a day); false when it already had. Expired records are
-- swept now and then (sweepDue), so one still there counts only while it has not expired.
local function markSettled(attemptId, now)
  local key, expiresAt = prefixKey('budgetSettled'), now + 86400000
  if sweepDue(prefixCached().sweeps, 'settled', now) then redis.call('ZREMRANGEBYSCORE', key, '-inf', now) end
  if redis.call('ZADD', key, 'NX', expiresAt, attemptId) == 1 then return true end
  if tonumber(redis.call('ZSCORE', key, attemptId)) > now then return false end
  redis.call('ZADD', key, expiresAt, attemptId)
  return true
end

--[[
  Settles an attempt once: releases its reservation (if it still holds one) and charges the actual
  cost to the scopes in `member` (a reservation member, or "attemptId|runId|turn|*||" for usage
  recorded without one, charged to today). `actual` is { micros, tokens, toolCalls }: the turn is
  charged the tokens and counts the tool calls the answer asked for. Returns 1, or 0 when this
  attempt was already settled.
]]
local function budgetSettle(attemptId, member, actual, ttlMs, now)
  expireReservations(now)
  if not markSettled(attemptId, now) then return 0 end
  local held = redis.call('ZREM', prefixKey('budgetReservations'), member) == 1
  local f = split(member, '|')
  local runId, turn, day = f[2], f[3], f[4]
  if day == '*' then day = tostring(math.floor(now / 86400000)) end
  -- Each scope's reservation (when it still holds one) is released where its cost is charged.
  if runId ~= '' then
    local key = KEY.budgetRun(runId)
    if held then redis.call('HINCRBY', key, 'reserved', -tonumber(f[5])) end
    redis.call('HINCRBY', key, 'spent', actual.micros)
    redis.call('PEXPIRE', key, ttlMs)
  end
  if day ~= '' then
    local key = KEY.budgetDaily(day)
    if held then redis.call('HINCRBY', key, 'reserved', -tonumber(f[5])) end
    redis.call('HINCRBY', key, 'spent', actual.micros)
    redis.call('PEXPIRE', key, 2 * 86400000)
  end
  if turn ~= '' then
    local key = KEY.budgetTurn(runId, turn)
    if held then redis.call('HINCRBY', key, 'tokensReserved', -tonumber(f[6])) end
    redis.call('HINCRBY', key, 'tokensSpent', actual.tokens)
    if actual.toolCalls > 0 then redis.call('HINCRBY', key, 'calls', actual.toolCalls) end
    redis.call('PEXPIRE', key, ttlMs)
  end
  return 1
end

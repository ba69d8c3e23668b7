--[[
  Admits one LLM call attempt: budget, circuit breaker and rate limits, checked and taken together.
  Nothing is taken unless every check passes.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  the call, as 17 zero-terminated text fields (one short text argument: this runs on every
           call's path, every argument costs, and a binary one costs the client more):
             settings id   the fingerprint of the guard settings (see _settings.lua)
             leaseMs       how long the admission holds if its worker never settles it
             random        a number in [0, 1) drawn by the caller (probabilistic half-open)
             clock         < 0 for Redis time; an epoch-ms value in tests
             tokens        the call's worst-case tokens (for tokens-per-minute limits)
             hasClaim      1 = check budgets
             worstMicros, worstTokens   the claim's worst case
             attemptId, provider, operation (with a rate limit of its own, else ''), runId, turn,
             the claim's operation,
             taskQueue, workflowId   the task whose call this is ('' = not a task): it leaves the
                           waiting sets (_waiting.lua), and enters the blocked one on a refusal it waits out
             model         the model whose rolling latency an admitted call gets back (_latency.lua; '' = none)
  ARGV[2]  the packed guard settings: only when a first call was answered SETTINGS_UNKNOWN

  Returns  { code, probe (1|0), retryAfterMs, detail, transition JSON or '', reservation member or '' },
           and when admitted with a model, its rolling latency after them: { ..., total p95 ms, total
           samples, first-token p95 ms, first-token samples } (the adaptive call timeout's input),
           code being one of CODE (_codes.lua):
             ADMITTED          admitted
             BREAKER_REFUSED   detail = breaker state (OPEN, HALF_OPEN, CLOSED)
             RATE_LIMITED      retryAfterMs = until the bucket has room; detail = the bucket
             BUDGET_BUSY       detail = scope; reservations in flight are in the way
             BUDGET_EXCEEDED   detail = scope; retryAfterMs = until the scope resets (0: never)
             DEGRADED          degraded mode is forced on (_degraded.lua): the call waits
             SETTINGS_UNKNOWN  call again with ARGV[2]
]]

local A = { struct.unpack('sssssssssssssssss', ARGV[1]) }
local G = settingsNamed(A[1], ARGV[2], guardSettings)
if G == nil then return { CODE.SETTINGS_UNKNOWN, 0, 0, '', '', '' } end
local S, R, operationRate = G.breaker, G.rate, G.operationRate
local leaseMs, random, now, tokens = tonumber(A[2]), tonumber(A[3]), clock(tonumber(A[4])), tonumber(A[5])
local attemptId, provider, operation = A[9], A[10], A[11]
local claim = nil
if A[6] == '1' then
  claim = { micros = tonumber(A[7]), tokens = tonumber(A[8]), microsText = A[7], tokensText = A[8], runId = A[12],
    turn = A[13], operation = A[14] }
end
useBreaker(provider)
local taskQueue, workflowId = A[15], A[16]
local tracked = workflowId ~= ''
if tracked then waitingLeave(taskQueue, workflowId) end
if redis.call('HGET', KEY.degradedMode(), 'forced') == 'on' then
  if tracked then waitingBlock(taskQueue, workflowId) end
  return { CODE.DEGRADED, 0, 0, 'forced', '', '' }
end

local budget = NO_CLAIM
if claim then
  budget = budgetDecide(claim, G.ceilings, now)
  if budget.final then
    redis.call('HINCRBY', prefixKey('budgetStats'), 'refused_' .. budget.final, 1)
    return { CODE.BUDGET_EXCEEDED, 0, budget.retryAfterMs, budget.final, '', '' }
  end
end

local breaker = breakerDecide(attemptId, random, S, now)
if not breaker.admitted then
  if tracked then waitingBlock(taskQueue, workflowId) end
  return { CODE.BREAKER_REFUSED, 0, breaker.retryAfterMs, breaker.state, breaker.transition, '' }
end
if budget.busy then
  if tracked then waitingBlock(taskQueue, workflowId) end
  return { CODE.BUDGET_BUSY, 0, 0, budget.busy, breaker.transition, '' }
end

local rate = providerRateDecide(R, breaker, tokens, now)
local perOperation = NO_RATE_LIMIT
if rate.ok then perOperation = operationRateDecide(operation, operationRate, tokens, now) end
if not (rate.ok and perOperation.ok) then
  countStat('rate_limited_waits')
  if tracked then waitingBlock(taskQueue, workflowId) end
  local limitedBy = provider
  if rate.ok then limitedBy = 'op:' .. operation end
  return { CODE.RATE_LIMITED, 0, rate.retryAfterMs or perOperation.retryAfterMs, limitedBy, breaker.transition, '' }
end

local expiresAt = integerText(now + leaseMs)
breakerCommit(breaker, attemptId, expiresAt)
providerRateCommit(R, rate, now)
if operationRate then operationRateCommit(operation, operationRate, perOperation, now) end
local member = ''
if claim then member = budgetCommit(attemptId, claim, budget, expiresAt) end
local admitted = { CODE.ADMITTED, breaker.probe and 1 or 0, 0, breaker.state, breaker.transition, member }
if A[17] ~= '' then
  for _, value in ipairs(latencyRead(provider, A[17])) do admitted[#admitted + 1] = value end
end
return admitted

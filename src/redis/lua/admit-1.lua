--[[
  Admits one LLM call attempt: budget, circuit breaker and rate limits, checked and taken together.
  Nothing is taken unless every check passes.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  one binary argument (this script is on every call's path, and each argument costs):
           31 little-endian doubles, then 6 zero-terminated strings:
             1 leaseMs   how long the admission holds if its worker never settles it
             2 random    a number in [0, 1) drawn by the caller (probabilistic half-open)
             3 clock     < 0 for Redis time; an epoch-ms value in tests
             4 tokens    the call's worst-case tokens (for tokens-per-minute limits)
             5-15        breaker settings (see _breaker.lua)
             16-19       the provider's rate limit (see _ratelimit.lua)
             20-23       the operation's own rate limit
             24-28       default budget ceilings (see _budget.lua)
             29 hasClaim (1 = check budgets), 30 worstMicros, 31 worstTokens
           strings: attemptId, provider, operation (with a rate limit of its own, else ''),
             runId, turn, the claim's operation

  Returns  { code, probe (1|0), retryAfterMs, detail, transition JSON or '', reservation member or '' }
    code  1  admitted
          0  the breaker refused      detail = breaker state (OPEN, HALF_OPEN, CLOSED)
         -1  rate limited            retryAfterMs = until the bucket has room; detail = the bucket
                                     (the provider, or op:<operation>)
         -2  budget busy             detail = scope; reservations in flight are in the way
         -3  budget exceeded         detail = scope; retryAfterMs = until the scope resets (0: never)
]]
--@include _common.lua
--@include _breaker.lua
--@include _ratelimit.lua
--@include _budget.lua

local A = { struct.unpack('<ddddddddddddddddddddddddddddddd' .. 'ssssss', ARGV[1]) }
local leaseMs, random, now, tokens = A[1], A[2], clock(A[3]), A[4]
local S = breakerSettingsFrom(A, 5)
local R = rateFrom(A, 16)
local operationRate = rateFrom(A, 20)
local attemptId, provider, operation = A[32], A[33], A[34]
local claim = nil
if A[29] == 1 then claim = { micros = A[30], tokens = A[31], runId = A[35], turn = A[36], operation = A[37] } end
useBreaker(provider)

local budget = { ok = true, day = '' }
if claim then
  budget = budgetDecide(claim, budgetDefaultsFrom(A, 24), now)
  if budget.final then
    redis.call('HINCRBY', BUDGET.stats, 'refused_' .. budget.final, 1)
    return { -3, 0, budget.retryAfterMs, budget.final, '', '' }
  end
end

local breaker = breakerDecide(attemptId, random, S, now)
if not breaker.admitted then return { 0, 0, breaker.retryAfterMs, breaker.state, breaker.transition, '' } end
if budget.busy then return { -2, 0, 0, budget.busy, breaker.transition, '' } end

local rate = rateDecide(provider, R, tokens, now)
local perOperation = { ok = true }
if rate.ok and operationRate then perOperation = rateDecide('op:' .. operation, operationRate, tokens, now) end
if not (rate.ok and perOperation.ok) then
  redis.call('HINCRBY', K.stats, 'rate_limited_waits', 1)
  local limitedBy = provider
  if rate.ok then limitedBy = 'op:' .. operation end
  return { -1, 0, rate.retryAfterMs or perOperation.retryAfterMs, limitedBy, breaker.transition, '' }
end

breakerCommit(breaker, attemptId, leaseMs, now)
rateCommit(provider, R, rate, now)
if operationRate then rateCommit('op:' .. operation, operationRate, perOperation, now) end
local member = ''
if claim then member = budgetCommit(attemptId, claim, budget.day, leaseMs, now) end
return { 1, breaker.probe and 1 or 0, 0, breaker.state, breaker.transition, member }

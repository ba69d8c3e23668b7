--[[
  Admits one LLM call attempt: budget, circuit breaker and rate limit, checked and taken together.
  Nothing is taken unless every check passes.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  attemptId        unique per activity attempt (admitting it again renews its leases)
  ARGV[2]  leaseMs          how long the admission holds if its worker never settles it
  ARGV[3]  random           a number in [0, 1) drawn by the caller (probabilistic half-open)
  ARGV[4]  provider
  ARGV[5]  breaker settings packed (see _breaker.lua)
  ARGV[6]  rate settings    packed (see _ratelimit.lua), '' = no rate limit
  ARGV[7]  budget claim     packed (see _budget.lua), '' = no budget
  ARGV[8]  budget defaults  packed (see _budget.lua)
  ARGV[9]  clock            '' for Redis time; an epoch-ms value in tests
  ARGV[10] tokens           the call's worst-case tokens (for tokens-per-minute limits)
  ARGV[11] operation        the call's operation, when it has a rate limit of its own ('' = none)
  ARGV[12] operation rate   its rate settings packed (see _ratelimit.lua), '' = none

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

local attemptId = ARGV[1]
local leaseMs = tonumber(ARGV[2])
local random = tonumber(ARGV[3])
local provider = ARGV[4]
local S = breakerSettings(ARGV[5])
local R = rateSettings(ARGV[6])
local claim = claimOf(ARGV[7])
local now = clock(ARGV[9])
local tokens = tonumber(ARGV[10])
local operation = ARGV[11]
local operationRate = rateSettings(ARGV[12])
useBreaker(provider)

local budget = { ok = true, day = '' }
if claim then
  budget = budgetDecide(claim, budgetDefaults(ARGV[8]), now)
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
if rate.ok and operation ~= '' then perOperation = rateDecide('op:' .. operation, operationRate, tokens, now) end
if not (rate.ok and perOperation.ok) then
  redis.call('HINCRBY', K.stats, 'rate_limited_waits', 1)
  local limitedBy = provider
  if rate.ok then limitedBy = 'op:' .. operation end
  return { -1, 0, rate.retryAfterMs or perOperation.retryAfterMs, limitedBy, breaker.transition, '' }
end

breakerCommit(breaker, attemptId, leaseMs, now)
rateCommit(provider, R, rate, now)
if operation ~= '' then rateCommit('op:' .. operation, operationRate, perOperation, now) end
local member = ''
if claim then member = budgetCommit(attemptId, claim, budget.day, leaseMs, now) end
return { 1, breaker.probe and 1 or 0, 0, breaker.state, breaker.transition, member }

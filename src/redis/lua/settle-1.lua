--[[
  Settles one admitted attempt: breaker outcome, unused rate-limit tokens back, budget charged with
  the actual cost and its reservation released. Each part counts once per attempt id.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  attemptId
  ARGV[2]  outcome          success | failure | rate_limited | neutral ('' = no breaker settle)
  ARGV[3]  workerId
  ARGV[4]  provider
  ARGV[5]  breaker settings packed (see _breaker.lua)
  ARGV[6]  rate settings    packed (see _ratelimit.lua), '' = no rate limit
  ARGV[7]  unusedTokens     worst-case tokens taken from the rate limit and not used
  ARGV[8]  budget member    the reservation member admit returned ('' = no budget)
  ARGV[9]  actualMicros     the call's actual cost
  ARGV[10] actualTokens     the call's actual tokens
  ARGV[11] ttlMs            how long run and turn budgets live after their last charge
  ARGV[12] clock            '' for Redis time; an epoch-ms value in tests
  ARGV[13] operation        the call's operation, when it has a rate limit of its own ('' = none)
  ARGV[14] operation rate   its rate settings packed (see _ratelimit.lua), '' = none

  Returns  { breakerSettled (1|0), transition JSON or '', budgetSettled (1|0) }
]]
--@include _common.lua
--@include _breaker.lua
--@include _ratelimit.lua
--@include _budget.lua

local attemptId = ARGV[1]
local outcome = ARGV[2]
local provider = ARGV[4]
local now = clock(ARGV[12])

local breakerSettled, transition = 0, ''
if outcome ~= '' then
  useBreaker(provider)
  breakerSettled, transition = breakerSettle(attemptId, outcome, ARGV[3], breakerSettings(ARGV[5]), now)
end
rateRefund(provider, rateSettings(ARGV[6]), tonumber(ARGV[7]))
if ARGV[13] ~= '' then rateRefund('op:' .. ARGV[13], rateSettings(ARGV[14]), tonumber(ARGV[7])) end
local budgetSettled = 0
if ARGV[8] ~= '' then
  budgetSettled = budgetSettle(attemptId, ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), now)
end
return { breakerSettled, transition, budgetSettled }

--[[
  Settles one admitted attempt: breaker outcome, unused rate-limit tokens back, budget charged with
  the actual cost and its reservation released. Each part counts once per attempt id.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  one binary argument: 24 little-endian doubles, then 6 zero-terminated strings:
             1 clock          < 0 for Redis time; an epoch-ms value in tests
             2 unusedTokens   worst-case tokens taken from the rate limits and not used
             3 actualMicros   the call's actual cost
             4 actualTokens   the call's actual tokens
             5 ttlMs          how long run and turn budgets live after their last charge
             6-16             breaker settings (see _breaker.lua)
             17-20            the provider's rate limit (see _ratelimit.lua)
             21-24            the operation's own rate limit
           strings: attemptId, outcome (success | failure | rate_limited | neutral; '' = no breaker
             settle), workerId, provider, operation (with a rate limit of its own, else ''),
             the reservation member admit returned ('' = no budget)

  Returns  { breakerSettled (1|0), transition JSON or '', budgetSettled (1|0) }
]]
--@include _common.lua
--@include _breaker.lua
--@include _ratelimit.lua
--@include _budget.lua

local A = { struct.unpack('<dddddddddddddddddddddddd' .. 'ssssss', ARGV[1]) }
local now, unused, micros, tokens, ttlMs = clock(A[1]), A[2], A[3], A[4], A[5]
local attemptId, outcome, workerId, provider, operation, member = A[25], A[26], A[27], A[28], A[29], A[30]

local breakerSettled, transition = 0, ''
if outcome ~= '' then
  useBreaker(provider)
  breakerSettled, transition = breakerSettle(attemptId, outcome, workerId, breakerSettingsFrom(A, 6), now)
end
rateRefund(provider, rateFrom(A, 17), unused)
local operationRate = rateFrom(A, 21)
if operationRate then rateRefund('op:' .. operation, operationRate, unused) end
local budgetSettled = 0
if member ~= '' then budgetSettled = budgetSettle(attemptId, member, micros, tokens, ttlMs, now) end
return { breakerSettled, transition, budgetSettled }

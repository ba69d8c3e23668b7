--[[
  Settles one admitted attempt: breaker outcome, unused rate-limit tokens back, budget charged with
  the actual cost and its reservation released. Each part counts once per attempt id.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  the call, as 17 zero-terminated text fields:
             settings id      the fingerprint of the guard settings (see _settings.lua)
             clock            < 0 for Redis time; an epoch-ms value in tests
             unusedTokens     worst-case tokens taken from the rate limits and not used
             actualMicros     the call's actual cost
             actualTokens     the call's actual tokens
             actualToolCalls  the tool calls its answer asked for (added to the turn's calls)
             ttlMs            how long run and turn budgets live after their last charge
             attemptId, outcome (success | failure | rate_limited | neutral; '' = no breaker
             settle), workerId, provider, operation (with a rate limit of its own, else ''),
             the reservation member admit returned ('' = no budget),
             model, totalMs, firstTokenMs   a successful call's latency samples (_latency.lua): its
                           whole time and a stream's time to first token ('' = no sample); recorded
                           with its breaker outcome, so once per attempt,
             slow          1 = the call was slower than LLM_SLOW_CALL_MS (the breaker's slow-call rate)
  ARGV[2]  the packed guard settings: only when a first call was answered SETTINGS_UNKNOWN

  Returns  { breakerSettled (1|0), transition JSON or '', budgetSettled (1|0) },
           or { CODE.SETTINGS_UNKNOWN }: call again with ARGV[2]
]]

local A = { struct.unpack('sssssssssssssssss', ARGV[1]) }
local G = settingsNamed(A[1], ARGV[2], guardSettings)
if G == nil then return { CODE.SETTINGS_UNKNOWN } end
local now, unused = clock(tonumber(A[2])), tonumber(A[3])
local actual = { micros = tonumber(A[4]), microsText = A[4], tokens = tonumber(A[5]), toolCalls = tonumber(A[6]) }
local ttlMs = tonumber(A[7])
local attemptId, outcome, workerId, provider, operation, member = A[8], A[9], A[10], A[11], A[12], A[13]

local breakerSettled, transition = 0, ''
local refund = rateRefundOf(G.rate, unused)
if outcome ~= '' then
  useBreaker(provider)
  breakerSettled, transition = breakerSettle(attemptId, outcome, workerId, G.breaker, now, refund, A[17] == '1')
elseif refund > 0 then
  useBreaker(provider)
  refundRate(refund)
end
operationRateRefund(operation, rateRefundOf(G.operationRate, unused))
local budgetSettled = 0
if member ~= '' then budgetSettled = budgetSettle(attemptId, member, actual, ttlMs, now, G.ceilings) end
-- A sample counts once per attempt, as its breaker outcome does (a settle delivered twice adds none).
if A[14] ~= '' and breakerSettled == 1 then
  latencyRecord(provider, A[14], 'total', A[15])
  latencyRecord(provider, A[14], 'firstToken', A[16])
end
return { breakerSettled, transition, budgetSettled }

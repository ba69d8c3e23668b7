--[[
  Admits one call of a tool (a guarded activity): its cap on calls per task, its circuit breaker and
  its rate limit, checked and taken together (see _tools.lua). Nothing is taken unless every check passes.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  the call, as 8 zero-terminated text fields:
             settings id   the fingerprint of the tool's settings
             leaseMs       how long the admission holds if its worker never settles it
             random        a number in [0, 1) drawn by the caller (probabilistic half-open)
             clock         < 0 for Redis time; an epoch-ms value in tests
             attemptId, tool, workflowId (the task: '' = no cap), maxCallsPerTask (0 = no cap)
  ARGV[2]  the packed tool settings: only when a first call was answered SETTINGS_UNKNOWN

  Returns  { code, probe (1|0), retryAfterMs, detail, transition JSON or '' }, code being one of CODE
           (_codes.lua):
             ADMITTED          admitted
             TOOL_CALL_CAP     detail = the calls of the tool the task made
             BREAKER_REFUSED   detail = breaker state (OPEN, HALF_OPEN, CLOSED)
             RATE_LIMITED      retryAfterMs = until the bucket has room; detail = the tool
             SETTINGS_UNKNOWN  call again with ARGV[2]
]]

local A = { struct.unpack('ssssssss', ARGV[1]) }
local T = settingsNamed(A[1], ARGV[2], toolSettings)
if T == nil then return { CODE.SETTINGS_UNKNOWN, 0, 0, '', '' } end
local leaseMs, random, now = tonumber(A[2]), tonumber(A[3]), clock(tonumber(A[4]))
local attemptId, tool, workflowId, cap = A[5], A[6], A[7], tonumber(A[8])

local underCap, calls = toolCapDecide(tool, workflowId, cap)
if not underCap then return { CODE.TOOL_CALL_CAP, 0, 0, integerText(calls), '' } end

useToolBreaker(tool)
local breaker = breakerDecide(attemptId, random, T.breaker, now)
if not breaker.admitted then
  return { CODE.BREAKER_REFUSED, 0, breaker.retryAfterMs, breaker.state, breaker.transition }
end
local rate = providerRateDecide(T.rate, breaker, 1, now)
if not rate.ok then
  countStat('rate_limited_waits')
  return { CODE.RATE_LIMITED, 0, rate.retryAfterMs, tool, breaker.transition }
end

breakerCommit(breaker, attemptId, integerText(now + leaseMs))
providerRateCommit(T.rate, rate, now)
toolCapCommit(tool, workflowId, cap)
return { CODE.ADMITTED, breaker.probe and 1 or 0, 0, breaker.state, breaker.transition }

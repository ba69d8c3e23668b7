--[[
  Degraded mode, cluster-wide (a shared piece; needs _common.lua and _alerts.lua). KEY.degradedMode()
  holds active (1|0), reason, since and, while an operator forces it, forced = on.

  It is on while forced, or while every provider with a breaker (KEY.breakerRegistry(); a worker
  registers its configured providers at start) is OPEN or HALF_OPEN: reason `forced` or
  `all_breakers_open`. It is evaluated by the script that moves a breaker or the operator's switch,
  so it turns on with the last breaker that opens and off with the first that closes, and each change
  raises its alert once. (Redis unreachable is the other degraded case: no script runs then, so each
  reader decides it on its own; see src/degraded/degraded-mode.ts.)
]]
local NOT_SERVING = { OPEN = true, HALF_OPEN = true }

-- True when the breaker of `provider` admits no ordinary call (OPEN, or HALF_OPEN: probes only).
local function breakerNotServing(provider)
  local state = redis.call('HGET', KEY.breakerState(provider), 'state')
  return state ~= false and NOT_SERVING[state] == true
end

-- True when there is a breaker and none of them serves.
local function everyBreakerOpen()
  local providers = redis.call('SMEMBERS', KEY.breakerRegistry())
  if #providers == 0 then return false end
  for _, provider in ipairs(providers) do
    if not breakerNotServing(provider) then return false end
  end
  return true
end

-- Evaluates degraded mode at `now`; records a change and raises its alert. Returns active, reason.
local function degradedEvaluate(now)
  local key = KEY.degradedMode()
  local stored = redis.call('HMGET', key, 'forced', 'active', 'reason')
  local active, reason = false, ''
  if stored[1] == 'on' then
    active, reason = true, 'forced'
  elseif everyBreakerOpen() then
    active, reason = true, 'all_breakers_open'
  end
  local was = stored[2] == '1'
  if active == was and reason == (stored[3] or '') then return active, reason end
  redis.call('HSET', key, 'active', active and '1' or '0', 'reason', reason, 'since', integerText(now))
  if active ~= was then
    if active then
      raiseAlert('degraded_on', { reason = reason }, now)
    else
      raiseAlert('degraded_off', { reason = stored[3] or '' }, now)
    end
  end
  return active, reason
end

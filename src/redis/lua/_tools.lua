--[[
  Tools (activities guarded like LLM calls) (a shared piece; needs _breaker.lua and _ratelimit.lua).
  A tool's breaker and its rate limit are a breaker's keys and fields, named `tool:<name>`
  (`toolBreakerName` in src/redis/keys.ts), so every breaker rule, status and operator action
  applies to it unchanged. Its cap on calls per task is KEY.toolTaskCalls(tool, workflowId).

  Its settings are 16 little-endian doubles: the breaker's 12 (see _breaker.lua), then its rate
  limit's 4 (see _ratelimit.lua; rpm 0: no rate limit).
]]
local TASK_CALLS_TTL_MS = 86400000

local function useToolBreaker(tool)
  useBreaker('tool:' .. tool)
end

local function toolSettings(packed)
  local v = { struct.unpack('<dddddddddddddddd', packed) }
  return { breaker = breakerSettingsFrom(v, 1), rate = rateFrom(v, 13) }
end

-- The calls of `tool` the task `workflowId` made, and whether one more passes `cap` (0: no cap).
local function toolCapDecide(tool, workflowId, cap)
  if cap <= 0 or workflowId == '' then return true, 0 end
  local calls = tonumber(redis.call('GET', KEY.toolTaskCalls(tool, workflowId)) or '0')
  return calls < cap, calls
end

local function toolCapCommit(tool, workflowId, cap)
  if cap <= 0 or workflowId == '' then return end
  local key = KEY.toolTaskCalls(tool, workflowId)
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, TASK_CALLS_TTL_MS)
end

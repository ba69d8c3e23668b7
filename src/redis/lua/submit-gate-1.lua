--[[
  The gate of one submit: degraded mode, the task's own providers, and load shedding, decided and
  counted together.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  clock        '' for Redis time; an epoch-ms value in tests
  ARGV[2]  taskQueue
  ARGV[3]  workflowId   the task's
  ARGV[4]  priority     low | normal | high | critical
  ARGV[5]  sheddable    1 when this priority is shed past the limit (low, normal)
  ARGV[6]  limit        waiting tasks (queued + blocked) past which sheddable submits are refused
  ARGV[7]  readonly     1: accept (park) while degraded; 0: refuse
  ARGV[8…] the task's providers: its own, then its fallbacks

  Returns  { decision, reason, waiting, retryAfterMs }, decision one of:
             started     accepted; the task now counts as queued
             parked      accepted while degraded (reason: forced | all_breakers_open) or while every
                         one of the task's providers is open (task_providers_open): it will wait BLOCKED
             degraded    refused: degraded with readonly 0 (reason as for parked)
             overloaded  refused: `waiting` reached `limit` and the priority is sheddable
           retryAfterMs: for a breaker-driven refusal or parking, until the first of the task's
           breakers may half-open (0 when not known)
]]

local now = clock(ARGV[1])
local taskQueue, workflowId, priority = ARGV[2], ARGV[3], ARGV[4]
local sheddable, limit, readonly = ARGV[5] == '1', tonumber(ARGV[6]), ARGV[7] == '1'

local stored = redis.call('HMGET', KEY.degradedMode(), 'active', 'reason')
local parked, reason = stored[1] == '1', stored[2] or ''
local retryAfterMs = 0
local ownOpen = true
for i = 8, #ARGV do
  local fields = redis.call('HMGET', KEY.breakerState(ARGV[i]), 'state', 'openUntil')
  if not (fields[1] and NOT_SERVING[fields[1]]) then
    ownOpen = false
  elseif fields[1] == 'OPEN' then
    local wait = tonumber(fields[2] or '0') - now
    if wait > 0 and (retryAfterMs == 0 or wait < retryAfterMs) then retryAfterMs = wait end
  end
end
if not parked and ownOpen and #ARGV >= 8 then parked, reason = true, 'task_providers_open' end

local counts = waitingCounts(taskQueue)
local waiting = counts.QUEUED + counts.BLOCKED
if parked and not readonly then
  redis.call('HINCRBY', KEY.degradedStats(), 'refused_degraded', 1)
  return { 'degraded', reason, waiting, retryAfterMs }
end
if sheddable and waiting >= limit then
  redis.call('HINCRBY', KEY.degradedStats(), 'shed_' .. priority, 1)
  return { 'overloaded', 'queue_limit', waiting, 0 }
end
-- A duplicate submit of a task already waiting counts once.
if not redis.call('ZSCORE', KEY.tasksBlocked(taskQueue), workflowId)
  and redis.call('ZADD', KEY.tasksQueued(taskQueue), 'NX', nowText, workflowId) == 1 then
  waiting = waiting + 1
end
if parked then
  redis.call('HINCRBY', KEY.degradedStats(), 'parked', 1)
  return { 'parked', reason, waiting, retryAfterMs }
end
return { 'started', '', waiting, 0 }

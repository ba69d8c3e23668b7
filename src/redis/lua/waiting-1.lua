--[[
  The waiting tasks of a task queue (see _waiting.lua): forget one, or reconcile them with Temporal.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  action     forget | reconcile
  ARGV[2]  clock      '' for Redis time; an epoch-ms value in tests
  ARGV[3]  taskQueue
  forget:
  ARGV[4]  workflowId   the task ended: it leaves both sets
  reconcile:
  ARGV[4]  graceMs      members that entered less than this long ago are kept whatever visibility
                        says (it lags behind the workflows)
  ARGV[5…] workflowId, LedgerState pairs: every open task of the queue, as visibility lists them

  Reconcile keeps a queued member only while its task is open (its first call may still be waiting
  for a worker: the ledger says RUNNING then) and a blocked member only while its task is BLOCKED;
  it adds the open tasks visibility shows QUEUED or BLOCKED that are missing.

  Returns  JSON { before { QUEUED, BLOCKED }, after { QUEUED, BLOCKED }, removed, added }
]]

local action, now, taskQueue = ARGV[1], clock(ARGV[2]), ARGV[3]
local queuedKey, blockedKey = KEY.tasksQueued(taskQueue), KEY.tasksBlocked(taskQueue)
local before = waitingCounts(taskQueue)
local removed, added = 0, 0

if action == 'forget' then
  waitingLeave(taskQueue, ARGV[4])
elseif action == 'reconcile' then
  local settled = integerText(now - tonumber(ARGV[4]))
  local open = {}
  for i = 5, #ARGV - 1, 2 do open[ARGV[i]] = ARGV[i + 1] end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', queuedKey, '-inf', settled)) do
    local state = open[id]
    if state == nil or state == 'BLOCKED' then removed = removed + redis.call('ZREM', queuedKey, id) end
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', blockedKey, '-inf', settled)) do
    if open[id] ~= 'BLOCKED' then removed = removed + redis.call('ZREM', blockedKey, id) end
  end
  for id, state in pairs(open) do
    if state == 'QUEUED' and not redis.call('ZSCORE', blockedKey, id) then
      added = added + redis.call('ZADD', queuedKey, 'NX', nowText, id)
    elseif state == 'BLOCKED' and not redis.call('ZSCORE', blockedKey, id) then
      redis.call('ZREM', queuedKey, id)
      added = added + redis.call('ZADD', blockedKey, nowText, id)
    end
  end
else
  return redis.error_reply('unknown waiting action: ' .. tostring(action))
end
return cjson.encode({ before = before, after = waitingCounts(taskQueue), removed = removed, added = added })

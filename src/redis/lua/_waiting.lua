--[[
  The waiting tasks of a task queue (a shared piece; needs _common.lua): KEY.tasksQueued(taskQueue),
  tasks submitted whose first call was not admitted yet, and KEY.tasksBlocked(taskQueue), tasks whose
  last admission was refused with a wait. Both map workflowId -> the time it entered (ms), so every
  update is idempotent (a retried activity or submit counts once) and a count is one ZCARD: the submit
  gate reads it on every submit. Drift (a task terminated while waiting, Redis data lost) is repaired
  against Temporal visibility by waiting-1.lua's `reconcile`.
]]

-- The task left both sets: its call was admitted, or it ended.
local function waitingLeave(taskQueue, workflowId)
  redis.call('ZREM', KEY.tasksQueued(taskQueue), workflowId)
  redis.call('ZREM', KEY.tasksBlocked(taskQueue), workflowId)
end

-- The task waits BLOCKED from `nowText` on.
local function waitingBlock(taskQueue, workflowId)
  redis.call('ZADD', KEY.tasksBlocked(taskQueue), nowText, workflowId)
end

-- { QUEUED = n, BLOCKED = n } of the task queue.
local function waitingCounts(taskQueue)
  return {
    QUEUED = redis.call('ZCARD', KEY.tasksQueued(taskQueue)),
    BLOCKED = redis.call('ZCARD', KEY.tasksBlocked(taskQueue)),
  }
end

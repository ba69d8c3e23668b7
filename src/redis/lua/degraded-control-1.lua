--[[
  Degraded mode: its status, and the operator's switch (see _degraded.lua).

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  action     status | on | off   (on: force it on; off: lift the force, the automatic rule
                      decides again)
  ARGV[2]  clock      '' for Redis time; an epoch-ms value in tests
  ARGV[3]  taskQueue  whose waiting tasks to count ('' = none)
  ARGV[4]  operator   who switched it (on | off)

  Returns  JSON { active, reason, since, forced, forcedBy, changed, waiting { QUEUED, BLOCKED }, stats }
           (changed: this call turned it on or off)
]]

local action, now, taskQueue = ARGV[1], clock(ARGV[2]), ARGV[3]
local key = KEY.degradedMode()
local was = redis.call('HGET', key, 'active') == '1'
if action == 'on' then
  redis.call('HSET', key, 'forced', 'on', 'forcedBy', ARGV[4])
elseif action == 'off' then
  redis.call('HDEL', key, 'forced', 'forcedBy')
elseif action ~= 'status' then
  return redis.error_reply('unknown degraded action: ' .. tostring(action))
end
local active, reason = degradedEvaluate(now)
local fields = redis.call('HMGET', key, 'since', 'forced', 'forcedBy')
local stats = {}
local raw = redis.call('HGETALL', KEY.degradedStats())
for i = 1, #raw, 2 do stats[raw[i]] = tonumber(raw[i + 1]) end
local waiting = { QUEUED = 0, BLOCKED = 0 }
if taskQueue ~= '' then waiting = waitingCounts(taskQueue) end
return cjson.encode({
  active = active,
  reason = reason,
  since = tonumber(fields[1] or '0'),
  forced = fields[2] == 'on',
  forcedBy = fields[3] or cjson.null,
  changed = active ~= was,
  waiting = waiting,
  stats = stats,
})

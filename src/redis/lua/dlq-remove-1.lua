--[[
  Takes a job's entry out of its stream, if it is still the entry the caller read (compare and
  delete): after a replay started its new workflow (counted as replayed), when a purge drops it, or
  when it moves to ai:dead (poisoned: the entry is re-added there with the given fields).

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  jobId
  ARGV[2]  entryId          the entry the caller read
  ARGV[3]  why              replayed | purged | poisoned
  ARGV[4]  replayRunId      for replayed: the new run, remembered for a day under KEY.dlqReplayed(jobId)
  ARGV[5..] field value ... for poisoned: the entry to add to ai:dead

  Returns  { removed (1|0), deadEntryId or '' }   0: the entry is gone or was replaced meanwhile
]]

local jobId, entryId, why = ARGV[1], ARGV[2], ARGV[3]
local existing = redis.call('HGET', KEY.dlqIndex(), jobId)
if not existing then return { 0, '' } end
local f = split(existing, '|')
if f[2] ~= entryId then return { 0, '' } end
if redis.call('XDEL', streamKey(f[1]), entryId) == 0 then
  redis.call('HDEL', KEY.dlqIndex(), jobId)
  return { 0, '' }
end
redis.call('HINCRBY', KEY.dlqStats(), why, 1)
if why == 'replayed' then
  redis.call('SET', KEY.dlqReplayed(jobId), ARGV[4], 'PX', 86400000)
end
if why ~= 'poisoned' then
  redis.call('HDEL', KEY.dlqIndex(), jobId)
  return { 1, '' }
end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
local deadId = redis.call('XADD', KEY.deadStream(), '*', unpack(fields))
redis.call('HSET', KEY.dlqIndex(), jobId, 'dead|' .. deadId .. '|' .. f[3])
return { 1, deadId }

--[[
  The dead-letter queue's streams and trimming (a shared piece; needs _common.lua). Its keys are the
  `dlq*` and `deadStream` keys of src/redis/keys.ts: the streams ai:dlq and ai:dead, the index
  jobId -> "stream|entryId|runId" (where a job's one entry is) and the counters. Each entry is a
  stream entry whose fields include jobId, runId and replayCount.
]]
local function streamKey(name)
  if name == 'dead' then return KEY.deadStream() end
  return KEY.dlqStream()
end

-- Trims `name` to about `maxLen` entries and drops entries older than `maxAgeMs`; counts what went.
local function trimStream(name, maxLen, maxAgeMs, now)
  local key = streamKey(name)
  local trimmed = redis.call('XTRIM', key, 'MAXLEN', '~', maxLen)
  trimmed = trimmed + redis.call('XTRIM', key, 'MINID', '~', tostring(math.max(0, now - maxAgeMs)))
  if trimmed > 0 then
    local counter = 'trimmed'
    if name == 'dead' then counter = 'trimmed_dead' end
    redis.call('HINCRBY', KEY.dlqStats(), counter, trimmed)
  end
  return trimmed
end

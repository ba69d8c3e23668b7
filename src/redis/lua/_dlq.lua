--[[
  The dead-letter queue's keys and trimming (a shared piece; needs _common.lua).

    <slot>:ai:dlq     STREAM  tasks that ended FAILED and may be replayed
    <slot>:ai:dead    STREAM  tasks no replay can fix (input errors) and poisoned ones
    <slot>:dlq:index  HASH    jobId -> "stream|entryId|runId": where a job's one entry is
    <slot>:dlq:stats  HASH    enqueued, dead, replayed, poisoned, purged, trimmed, trimmed_dead
  Each entry is a stream entry whose fields include jobId, runId and replayCount.
]]
local DLQ_KEY_SUFFIX = { dlq = ':ai:dlq', dead = ':ai:dead', index = ':dlq:index', stats = ':dlq:stats' }

local function dlqKey(name) return base .. DLQ_KEY_SUFFIX[name] end

local function streamKey(name)
  if name == 'dead' then return dlqKey('dead') end
  return dlqKey('dlq')
end

-- Trims `name` to about `maxLen` entries and drops entries older than `maxAgeMs`; counts what went.
local function trimStream(name, maxLen, maxAgeMs, now)
  local key = streamKey(name)
  local trimmed = redis.call('XTRIM', key, 'MAXLEN', '~', maxLen)
  trimmed = trimmed + redis.call('XTRIM', key, 'MINID', '~', tostring(math.max(0, now - maxAgeMs)))
  if trimmed > 0 then
    local counter = 'trimmed'
    if name == 'dead' then counter = 'trimmed_dead' end
    redis.call('HINCRBY', dlqKey('stats'), counter, trimmed)
  end
  return trimmed
end

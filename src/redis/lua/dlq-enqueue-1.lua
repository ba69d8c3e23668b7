--[[
  Adds a FAILED task to a dead-letter stream, once per failure: a second enqueue of the same job
  and run changes nothing; a later failure of the same job (a replay that failed again) replaces
  the job's entry. Then trims both streams.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  jobId
  ARGV[2]  runId            the failed workflow run
  ARGV[3]  stream           dlq | dead
  ARGV[4]  maxLen           about this many entries are kept per stream
  ARGV[5]  maxAgeMs         of ai:dlq
  ARGV[6]  deadMaxAgeMs     of ai:dead
  ARGV[7]  clock            '' for Redis time; an epoch-ms value in tests
  ARGV[8..] field value ... the entry

  Returns  { added (1|0), stream, entryId }   0: this failure was already enqueued
]]

local jobId, runId, stream = ARGV[1], ARGV[2], ARGV[3]
local maxLen, maxAgeMs, deadMaxAgeMs = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local now = clock(ARGV[7])

local existing = redis.call('HGET', KEY.dlqIndex(), jobId)
if existing then
  local f = split(existing, '|')
  local stillThere = #redis.call('XRANGE', streamKey(f[1]), f[2], f[2]) > 0
  if stillThere and f[3] == runId then return { 0, f[1], f[2] } end
  if stillThere then redis.call('XDEL', streamKey(f[1]), f[2]) end
end

local fields = {}
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
local entryId = redis.call('XADD', streamKey(stream), '*', unpack(fields))
redis.call('HSET', KEY.dlqIndex(), jobId, stream .. '|' .. entryId .. '|' .. runId)
if stream == 'dead' then
  redis.call('HINCRBY', KEY.dlqStats(), 'dead', 1)
else
  redis.call('HINCRBY', KEY.dlqStats(), 'enqueued', 1)
end
trimStream('dlq', maxLen, maxAgeMs, now)
trimStream('dead', maxLen, deadMaxAgeMs, now)
return { 1, stream, entryId }

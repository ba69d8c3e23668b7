--[[
  Admits one LLM call attempt for a provider.

  KEYS[1]  inflight  ZSET attemptId -> lease expiry (ms, Redis time)
  KEYS[2]  stats     HASH of counters

  ARGV[1]  attemptId (unique per activity attempt)
  ARGV[2]  leaseMs   how long the admission holds without a settle

  Returns  { 1, inflightCount }  admitted (re-admitting the same attemptId renews its lease)
]]
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)

local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', nowMs)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
  redis.call('HINCRBY', KEYS[2], 'leases_expired', #expired)
end

local isNew = redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[2]), ARGV[1])
if isNew == 1 then
  redis.call('HINCRBY', KEYS[2], 'admitted', 1)
end
return { 1, redis.call('ZCARD', KEYS[1]) }

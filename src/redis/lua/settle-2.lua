--[[
  Settles one admitted attempt: releases its lease and counts its outcome once.

  KEYS[1]  inflight  ZSET attemptId -> lease expiry
  KEYS[2]  stats     HASH of counters

  ARGV[1]  attemptId
  ARGV[2]  outcome   success | failure | rate_limited | neutral

  Returns  1 when this call settled the attempt, 0 when it was already settled (or its lease expired)
]]
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if removed == 0 then
  return 0
end
redis.call('HINCRBY', KEYS[2], 'settled_' .. ARGV[2], 1)
return 1

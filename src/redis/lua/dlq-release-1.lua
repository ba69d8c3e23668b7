--[[
  Releases a replay claim, only if the caller still holds it.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  jobId
  ARGV[2]  token            what the claim was taken with

  Returns  1 released, 0 not held (expired, or another caller's)
]]

local key = KEY.dlqClaim(ARGV[1])
if redis.call('GET', key) == ARGV[2] then
  redis.call('DEL', key)
  return 1
end
return 0

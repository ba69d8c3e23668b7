--[[
  Settles one admitted call of a tool: its breaker outcome and its lease released, once per attempt id.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  the call, as 6 zero-terminated text fields:
             settings id   the fingerprint of the tool's settings
             clock         < 0 for Redis time; an epoch-ms value in tests
             attemptId, outcome (success | failure | neutral), workerId, tool
  ARGV[2]  the packed tool settings: only when a first call was answered SETTINGS_UNKNOWN

  Returns  { settled (1|0), transition JSON or '' }, or { CODE.SETTINGS_UNKNOWN }: call again with ARGV[2]
]]

local A = { struct.unpack('ssssss', ARGV[1]) }
local T = settingsNamed(A[1], ARGV[2], toolSettings)
if T == nil then return { CODE.SETTINGS_UNKNOWN } end
local now = clock(tonumber(A[2]))
useToolBreaker(A[6])
local settled, transition = breakerSettle(A[3], A[4], A[5], T.breaker, now, 0)
return { settled, transition }

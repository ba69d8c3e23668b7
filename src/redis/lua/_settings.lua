--[[
  A worker's guard settings as admit and settle take them (a shared piece; needs the other pieces):
  24 little-endian doubles, decoded once per library load and then named by their fingerprint (see
  `settingsNamed` in _common.lua):
    1-11   the breaker (see _breaker.lua)
    12-15  the provider's rate limit; 16-19 the operation's own rate limit (see _ratelimit.lua)
    20-24  the default budget ceilings (see _budget.lua)
]]
local function guardSettings(packed)
  local v = { struct.unpack('<dddddddddddddddddddddddd', packed) }
  return {
    breaker = breakerSettingsFrom(v, 1),
    rate = rateFrom(v, 12),
    operationRate = rateFrom(v, 16),
    ceilings = budgetDefaultsFrom(v, 20),
  }
end

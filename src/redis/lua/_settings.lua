--[[
  A worker's guard settings as admit and settle take them (a shared piece; needs the other pieces):
  25 little-endian doubles, decoded once per library load and then named by their fingerprint (see
  `settingsNamed` in _common.lua):
    1-12   the breaker (see _breaker.lua)
    13-16  the provider's rate limit; 17-20 the operation's own rate limit (see _ratelimit.lua)
    21-25  the default budget ceilings (see _budget.lua)
]]
local function guardSettings(packed)
  local v = { struct.unpack('<ddddddddddddddddddddddddd', packed) }
  return {
    breaker = breakerSettingsFrom(v, 1),
    rate = rateFrom(v, 13),
    operationRate = rateFrom(v, 17),
    ceilings = budgetDefaultsFrom(v, 21),
  }
end

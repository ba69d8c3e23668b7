--[[
  Shared by every Breakwater script (included at load time by src/redis/scripts.ts).

  KEYS[1] is the slot key `<prefix>:{<prefix>}`. Every key a script touches is derived from it and
  carries its {hash tag}, so all the guard state of one key prefix (breakers, rate limits, budgets)
  lives in one Cluster slot, and one script can check and update all of it atomically, in one round
  trip. (Few keys and packed arguments keep the call cheap: it is on every LLM call's path.)
]]
local base = KEYS[1]

-- Redis time in ms, unless a test passes an explicit clock (a number >= 0, or a non-empty string).
local function clock(override)
  if type(override) == 'number' then
    if override >= 0 then return override end
  elseif override ~= nil and override ~= '' then
    return tonumber(override)
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Splits `text` on the single character `sep`, keeping empty fields.
local function split(text, sep)
  local fields = {}
  for item in string.gmatch(text .. sep, '([^' .. sep .. ']*)' .. sep) do fields[#fields + 1] = item end
  return fields
end

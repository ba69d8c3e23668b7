--[[
  Shared by every Breakwater script. src/redis/function-library.ts loads the shared pieces (files named `_*`)
  once, as the top of one Redis function library, and registers each script as a function of it:
  helpers are defined when the library loads, not on every call.

  KEYS[1] is the slot key `<prefix>:{<prefix>}`; each function sets `base` to it before its body runs.
  Every key a script touches is built from it by the KEY functions, which the library writes right
  after this piece from src/redis/keys.ts (the one key map), so every key carries the {hash tag}: all
  the state of one key prefix lives in one Cluster slot, and one script can check and update all of it
  atomically, in one round trip. (Few keys and packed arguments keep the call
  cheap: it is on every LLM call's path.)
]]
local base

--[[
  The time `clock` returned last (each script calls it once), as text. A number given to redis.call
  costs Redis a printf on every call, so the hot path hands Redis text it already has.
]]
local nowText

-- An integer as text: cheaper than letting redis.call format a number (see nowText).
local function integerText(n)
  return string.format('%d', n)
end

-- Redis time in ms, unless a test passes an explicit clock (a number >= 0, or a non-empty string).
local function clock(override)
  if type(override) == 'number' then
    if override >= 0 then
      nowText = tostring(override)
      return override
    end
  elseif override ~= nil and override ~= '' then
    nowText = override
    return tonumber(override)
  end
  local t = redis.call('TIME')
  local micros = t[2]
  nowText = t[1] .. string.sub(string.rep('0', 6 - #micros) .. micros, 1, 3)
  return tonumber(t[1]) * 1000 + math.floor(tonumber(micros) / 1000)
end

--[[
  Settings that are the same on every call of a worker (breaker, rate limits, budget ceilings) are
  decoded once and then named by their fingerprint, so the hot path ships and parses a short text
  argument only. A call whose settings are not known here (a new worker, or the library reloaded)
  gets CODE.SETTINGS_UNKNOWN (_codes.lua) and calls again with the packed settings.
]]
local MAX_CACHED_SETTINGS = 256
local settingsCache, cachedCount = {}, 0

-- The decoded settings named `id`, decoding (and keeping) `packed` if they are not known yet; nil
-- when they are unknown and `packed` is empty.
local function settingsNamed(id, packed, decode)
  local settings = settingsCache[id]
  if settings ~= nil or packed == nil or packed == '' then return settings end
  if cachedCount >= MAX_CACHED_SETTINGS then settingsCache, cachedCount = {}, 0 end
  settings = decode(packed)
  settingsCache[id], cachedCount = settings, cachedCount + 1
  return settings
end

--[[
  What the library keeps between calls on this server, per key prefix: built keys, and when each
  sweep last ran. Sweeps that only drop expired entries no script reads before dropping them itself
  (settled usage ids, probe leases, expired reservations, the breaker's window) run at most once per
  SWEEP_MS, not on every settle: they are garbage collection, and every Redis call costs on the hot
  path.
]]
local SWEEP_MS = 1000
local MAX_CACHED_PREFIXES = 256
local prefixCache, cachedPrefixes = {}, 0

-- The current key prefix's cache: { keys, breakers = { [provider] = { keys, sweeps } }, breakerCount, sweeps }.
local function prefixCached()
  local cached = prefixCache[base]
  if cached == nil then
    if cachedPrefixes >= MAX_CACHED_PREFIXES then prefixCache, cachedPrefixes = {}, 0 end
    cached = { keys = {}, breakers = {}, breakerCount = 0, sweeps = {} }
    prefixCache[base], cachedPrefixes = cached, cachedPrefixes + 1
  end
  return cached
end

-- True when sweep `name` (last run as recorded in `sweeps`) is due at `now`; records it as run.
local function sweepDue(sweeps, name, now)
  local last = sweeps[name]
  if last ~= nil and now >= last and now - last < SWEEP_MS then return false end
  sweeps[name] = now
  return true
end

-- Splits `text` on the single character `sep`, keeping empty fields.
local function split(text, sep)
  local fields = {}
  for item in string.gmatch(text .. sep, '([^' .. sep .. ']*)' .. sep) do fields[#fields + 1] = item end
  return fields
end

--[[
  Trims both dead-letter streams (age and length), then sums them up without shipping entries.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  maxLen
  ARGV[2]  maxAgeMs         of ai:dlq
  ARGV[3]  deadMaxAgeMs     of ai:dead
  ARGV[4]  clock            '' for Redis time; an epoch-ms value in tests

  Returns  JSON { depth, deadDepth, byReason, byProvider, oldestMs, newestMs, counters }
           (oldestMs, newestMs: when the oldest and the newest ai:dlq entry were added, or null)
]]

local now = clock(ARGV[4])
trimStream('dlq', tonumber(ARGV[1]), tonumber(ARGV[2]), now)
trimStream('dead', tonumber(ARGV[1]), tonumber(ARGV[3]), now)

local byReason, byProvider = {}, {}
local oldest, newest = nil, nil
local cursor = '-'
repeat
  local batch = redis.call('XRANGE', KEY.dlqStream(), cursor, '+', 'COUNT', 500)
  for _, entry in ipairs(batch) do
    local id, fields = entry[1], entry[2]
    if oldest == nil then oldest = tonumber(split(id, '-')[1]) end
    newest = tonumber(split(id, '-')[1])
    for i = 1, #fields, 2 do
      if fields[i] == 'reason' then byReason[fields[i + 1]] = (byReason[fields[i + 1]] or 0) + 1 end
      if fields[i] == 'provider' then byProvider[fields[i + 1]] = (byProvider[fields[i + 1]] or 0) + 1 end
    end
    cursor = '(' .. id
  end
until #batch < 500

local counters = {}
local raw = redis.call('HGETALL', KEY.dlqStats())
for i = 1, #raw, 2 do counters[raw[i]] = tonumber(raw[i + 1]) end
return cjson.encode({
  depth = redis.call('XLEN', KEY.dlqStream()),
  deadDepth = redis.call('XLEN', KEY.deadStream()),
  byReason = byReason,
  byProvider = byProvider,
  oldestMs = oldest or cjson.null,
  newestMs = newest or cjson.null,
  counters = counters,
})

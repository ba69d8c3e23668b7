--[[
  Budget status and operator changes of ceilings.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  action           show | set
  ARGV[2]  budget defaults  packed (see _budget.lua)
  ARGV[3]  runId            show: the run to show ('' = none); set: the run whose ceiling to set ('' = global)
  ARGV[4]  turn             show: the turn to show ('' = none)
  ARGV[5]  operation        show: the operation whose ceiling to show ('' = the default)
  ARGV[6]  field            set: run | operation | operation:<name> | daily | turnTokens | turnCalls
  ARGV[7]  value            set: the new ceiling (micro-dollars or count; 0 = no limit), '' = back to the default
  ARGV[8]  clock            '' for Redis time; an epoch-ms value in tests

  Returns  JSON { scopes = [ { scope, unit, limit, spent, reserved, remaining } ], overrides = { ... } }
           (limit 0: no limit; remaining -1: unlimited)
]]

local action = ARGV[1]
local D = budgetDefaults(ARGV[2])
local runId, turn, operation = ARGV[3], ARGV[4], ARGV[5]
local now = clock(ARGV[8])

if action == 'set' then
  local fieldName, value = ARGV[6], ARGV[7]
  local key, name = KEY.budgetCeilings(), fieldName
  if runId ~= '' then key, name = KEY.budgetRun(runId), 'ceiling' end
  if value == '' then redis.call('HDEL', key, name) else redis.call('HSET', key, name, value) end
  prefixCached().noCeilingsAt = nil
elseif action ~= 'show' then
  return redis.error_reply('unknown budget action: ' .. tostring(action))
end

expireReservations(now)
local c = redis.call('HMGET', KEY.budgetCeilings(), 'run', 'daily', 'turnTokens', 'turnCalls', 'operation:' .. operation, 'operation')
local scopes = {}
local function add(scope, unit, limit, spent, reserved)
  local remaining = -1
  if limit > 0 then remaining = math.max(0, limit - spent - reserved) end
  scopes[#scopes + 1] = { scope = scope, unit = unit, limit = limit, spent = spent, reserved = reserved, remaining = remaining }
end

add('operation', 'micro_usd', limitOf(c[5] or c[6], D.operation), 0, 0)
if runId ~= '' then
  local r = redis.call('HMGET', KEY.budgetRun(runId), 'spent', 'reserved', 'ceiling')
  add('run', 'micro_usd', limitOf(r[3], limitOf(c[1], D.run)), tonumber(r[1] or '0'), tonumber(r[2] or '0'))
end
local day = tostring(math.floor(now / 86400000))
local d = redis.call('HMGET', KEY.budgetDaily(day), 'spent', 'reserved')
add('daily', 'micro_usd', limitOf(c[2], D.daily), tonumber(d[1] or '0'), tonumber(d[2] or '0'))
if runId ~= '' and turn ~= '' then
  local t = redis.call('HMGET', KEY.budgetRun(runId), turnField(turn, 'tokensSpent'), turnField(turn, 'tokensReserved'),
    turnField(turn, 'calls'))
  add('turn_tokens', 'tokens', limitOf(c[3], D.turnTokens), tonumber(t[1] or '0'), tonumber(t[2] or '0'))
  add('turn_tool_calls', 'calls', limitOf(c[4], D.turnCalls), tonumber(t[3] or '0'), 0)
end

local overrides = {}
local raw = redis.call('HGETALL', KEY.budgetCeilings())
for i = 1, #raw, 2 do overrides[raw[i]] = tonumber(raw[i + 1]) end
return cjson.encode({ scopes = scopes, overrides = overrides, day = tonumber(day) })

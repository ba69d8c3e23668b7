--[[
  Operator actions on a provider's circuit breaker, and its status.

  KEYS[1]  the slot key (see _common.lua)
  ARGV[1]  action               status | reset | open
  ARGV[2]  durationMs           for open: how long the breaker stays OPEN
  ARGV[3]  settings             packed (see _breaker.lua)
  ARGV[4]  clock                '' for Redis time; an epoch-ms value in tests
  ARGV[5]  provider

  Returns  JSON { state, openUntil?, retryAfterMs, inFlight, probesInFlight, counts, stats, rateLimit?,
           transition? } (rateLimit: the provider's rate limit and what its buckets hold now, once an
           admission used it: { rpm, tpm, burst, tokenBurst, requests, tokens })
           (state is the effective one: an OPEN breaker past its reset time reports HALF_OPEN;
           stats.admitted is derived: settled outcomes + expired leases + calls in flight)
]]

local action = ARGV[1]
local durationMs = tonumber(ARGV[2])
local S = breakerSettings(ARGV[3])
local now = clock(ARGV[4])
useBreaker(ARGV[5])

expireLeases(now)
local transition = nil
if action == 'reset' then
  if field('state', 'CLOSED') ~= 'CLOSED' then
    transition = moveTo('CLOSED', 'manual_reset', now)
  end
  clearCounters()
elseif action == 'open' then
  if field('state', 'CLOSED') ~= 'OPEN' then transition = moveTo('OPEN', 'forced_open', now) end
  redis.call('HSET', breakerKey('breakerState'), 'openUntil', now + durationMs, 'halfOpenSuccesses', 0)
elseif action ~= 'status' then
  return redis.error_reply('unknown breaker action: ' .. tostring(action))
end

pruneWindow(now, S.windowMs, S.mode)
local state = field('state', 'CLOSED')
local openUntil = numberField('openUntil')
if state == 'OPEN' and now >= openUntil then state = 'HALF_OPEN' end
local status = {
  state = state,
  now = now,
  retryAfterMs = 0,
  inFlight = redis.call('ZCARD', breakerKey('breakerInflight')),
  probesInFlight = redis.call('ZCARD', breakerKey('breakerProbes')),
  counts = counts(),
  stats = {},
}
if state == 'OPEN' then
  status.openUntil = openUntil
  status.retryAfterMs = openUntil - now
end
local fields = redis.call('HGETALL', breakerKey('breakerState'))
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, #STAT) == STAT then status.stats[string.sub(fields[i], #STAT + 1)] = tonumber(fields[i + 1]) end
end
local admitted = status.inFlight
for _, name in ipairs({ 'success', 'failure', 'rate_limited', 'neutral', 'leases_expired' }) do
  admitted = admitted + (status.stats[name] or 0)
end
status.stats.admitted = admitted
status.rateLimit = providerRateStatus(now)
if transition then status.transition = cjson.decode(transition) end
return cjson.encode(status)

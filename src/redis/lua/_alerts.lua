--[[
  Alert events (a shared piece; needs _common.lua): each is raised by the script whose write caused it
  (a breaker transition, degraded mode turning on or off, a budget crossing 90 % of its ceiling), so
  it is raised once cluster-wide. They go to the capped stream KEY.alertStream(), fields `event` and
  `data` (JSON); workers with ALERT_WEBHOOK_URL deliver them through one consumer group
  (src/alerts/alert-dispatcher.ts), so each event is posted by one worker.
]]
local ALERT_STREAM_MAX = 10000

-- Raises alert `event` with `fields` (a table, encoded as JSON; `event` and `at` are added).
local function raiseAlert(event, fields, now)
  fields.event = event
  fields.at = now
  redis.call('XADD', KEY.alertStream(), 'MAXLEN', '~', ALERT_STREAM_MAX, '*', 'event', event, 'data', cjson.encode(fields))
end

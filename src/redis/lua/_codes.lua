--[[
  The return codes of the guard's scripts, by name (a shared piece). The first value of an admit
  reply is one of them; settle returns SETTINGS_UNKNOWN alone when it does not know the settings.
  src/redis/guard-scripts.ts maps each code to what it means in one table (`ADMIT_REPLIES`), and a
  unit test keeps the two in step.
]]
local CODE = {
  ADMITTED = 1,
  BREAKER_REFUSED = 0,          -- detail = the breaker's state (OPEN, HALF_OPEN, CLOSED)
  RATE_LIMITED = -1,            -- detail = the bucket (the provider, or op:<operation>)
  BUDGET_BUSY = -2,             -- detail = the scope; reservations in flight are in the way
  BUDGET_EXCEEDED = -3,         -- detail = the scope; retryAfterMs = until the scope resets (0: never)
  DEGRADED = -4,                -- an operator forces degraded mode on: no call is admitted (detail = forced)
  TOOL_CALL_CAP = -5,           -- a tool's cap on calls per task is reached (detail = the task's calls of it)
  SETTINGS_UNKNOWN = -9,        -- Redis does not know the call's settings: call again with them
}

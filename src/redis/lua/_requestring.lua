--[[
  The exact request limit beside the request bucket (a shared piece; needs _common.lua): at most
  `rpm` admissions in any 60 s, however full the bucket is. A bucket alone lets `rpm + burst` through
  in a minute that starts full.

  A ring of the times (ms) of the last `rpm` admissions of one limited thing, in a string key: slot i
  holds a 6-byte little-endian integer at byte i * 6. Its state, "<size>:<head>" (the rpm it was built
  for, and the slot of its oldest admission, the next one written), is kept by the caller beside its
  buckets, in the same read and write. Each admission reads one slot and writes one (O(1)). Bytes
  never written (past the string's end, or zeros) read as 0: long ago. The key expires after 10
  idle minutes (refreshed at most once a second), when all it holds is long ago anyway.

  An admission is allowed when the `rpm`-th most recent one is at least 60 s old; else the wait is
  until it is. When `rpm` changes, the ring is rebuilt for the new size on the next admission,
  keeping the most recent times, so the limit stays exact across the change.
]]
local RING_WINDOW_MS = 60000
local RING_SLOT = '<I6'
local RING_SLOT_BYTES = 6
local RING_TTL_MS = '600000'
local RING_STATE = '^(%d+):(%d+)$'

-- The ring's size and head from its state text (nil, nil: none yet).
local function ringState(text)
  if not text then return nil, nil end
  local size, head = string.match(text, RING_STATE)
  if size == nil then return nil, nil end
  return tonumber(size), tonumber(head)
end

-- The time (ms) in slot `slot` of the ring at `key`; 0 when never written.
local function ringSlot(key, slot)
  local offset = slot * RING_SLOT_BYTES
  local packed = redis.call('GETRANGE', key, offset, offset + RING_SLOT_BYTES - 1)
  if #packed < RING_SLOT_BYTES then return 0 end
  return (struct.unpack(RING_SLOT, packed))
end

--[[
  The wait (ms) before the ring at `key` (state text `stateText`) lets one more admission through
  under `rpm` per minute; 0: now. Reads one slot, writes nothing. A ring built for a smaller size
  holds fewer times than `rpm`: the older limit kept the one before them 60 s before the newest, so
  it is long ago.
]]
local function ringWait(key, stateText, rpm, now)
  local size, head = ringState(stateText)
  if size == nil or rpm > size then return 0 end
  local at = ringSlot(key, (head - rpm) % size)
  return math.max(0, at + RING_WINDOW_MS - now)
end

--[[
  The ring at `key`, rebuilt for `rpm` slots with `now` as its newest time: the most recent times of
  the one stored (built for `size`, oldest at `head`; nil: none) first, oldest first. Returns the new state.
]]
local function ringRebuild(key, size, head, rpm, now)
  local kept = ''
  if size ~= nil then
    local bytes = size * RING_SLOT_BYTES
    local raw = redis.call('GETRANGE', key, 0, bytes - 1)
    raw = raw .. string.rep('\0', bytes - #raw)
    local oldestFirst = string.sub(raw, head * RING_SLOT_BYTES + 1) .. string.sub(raw, 1, head * RING_SLOT_BYTES)
    local keep = math.min(size, rpm - 1)
    if keep > 0 then kept = string.sub(oldestFirst, -keep * RING_SLOT_BYTES) end
  end
  redis.call('SET', key, kept .. struct.pack(RING_SLOT, now), 'PX', RING_TTL_MS)
  return rpm .. ':' .. ((#kept / RING_SLOT_BYTES + 1) % rpm)
end

--[[
  Records an admission at `now` in the ring at `key` (state text `stateText`) for `rpm` per minute;
  `sweeps` and `name`: where the last refresh of its expiry is kept (see sweepDue). Returns the new state.
]]
local function ringCommit(key, stateText, rpm, now, sweeps, name)
  local size, head = ringState(stateText)
  if size ~= rpm then return ringRebuild(key, size, head, rpm, now) end
  redis.call('SETRANGE', key, head * RING_SLOT_BYTES, struct.pack(RING_SLOT, now))
  if sweepDue(sweeps, name, now) then redis.call('PEXPIRE', key, RING_TTL_MS) end
  return rpm .. ':' .. ((head + 1) % rpm)
end

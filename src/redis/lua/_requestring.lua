--[[
  The exact request limit beside the request bucket (a shared piece; needs _common.lua): at most
  `rpm` admissions in any 60 s, however full the bucket is. A bucket alone lets `rpm + burst` through
  in a minute that starts full.

  A ring of the times (ms) of one limited thing's most recent admissions, in a string key: slot i
  holds a 6-byte little-endian integer at byte i * 6; bytes never written (zeros, or past the
  string's end) read as 0, long ago. Its state, "<size>:<head>" (its slots, and the slot of its
  oldest admission, the next one written), is kept by the caller beside its buckets, in the same
  read and write. The ring drops an admission only once it is 60.25 s old (RING_WINDOW_MS), so it
  holds every admission of that window: when they fill it, it doubles (at most to `rpm`; a copy,
  rare), else an admission reads one slot and writes one (O(1)). Its size follows the traffic, not
  `rpm` (a huge `rpm` costs nothing), and a changed `rpm` needs nothing: the limit stays exact
  across the change. The key expires after 10 idle minutes (refreshed at most once a second), when
  all it holds is long ago.

  An admission is allowed when the `rpm`-th most recent one is at least 60.25 s old (or not in the
  ring: then it is older than that); else the wait is until it is.
]]
-- A minute and 250 ms: the provider counts requests when they arrive, and their transit time varies.
-- Admissions a bare 60 s apart arrived 1 to 6 ms closer on loopback (bench:load), so the provider saw
-- rpm + 1 in its minute; 250 ms covers a real network's jitter for 0.4 % of the steady rate.
local RING_WINDOW_MS = 60250
local RING_SLOT = '<I6'
local RING_SLOT_BYTES = 6
local RING_TTL_MS = '600000'
local RING_STATE = '^(%d+):(%d+)$'

-- The time (ms) in slot `slot` of the ring at `key`; 0 when never written.
local function ringSlot(key, slot)
  local offset = slot * RING_SLOT_BYTES
  local packed = redis.call('GETRANGE', key, offset, offset + RING_SLOT_BYTES - 1)
  if #packed < RING_SLOT_BYTES then return 0 end
  return (struct.unpack(RING_SLOT, packed))
end

--[[
  The ring at `key` (state text `stateText`, nil or false: none yet) and the wait (ms) before it lets
  one more admission through under `rpm` per minute (0: now). Reads one slot at most, writes nothing.
  Returns wait, ring (for ringCommit).
]]
local function ringDecide(key, stateText, rpm, now)
  local ring = { key = key, size = 0, head = 0 }
  if stateText then
    local size, head = string.match(stateText, RING_STATE)
    if size then ring.size, ring.head = tonumber(size), tonumber(head) end
  end
  if rpm > ring.size then return 0, ring end
  local at = ringSlot(key, (ring.head - rpm) % ring.size)
  return math.max(0, at + RING_WINDOW_MS - now), ring
end

-- The ring, oldest first, then `now`, in `capacity` slots (the rest read as long ago); returns its state.
local function ringGrow(ring, capacity, now)
  local kept = ''
  if ring.size > 0 then
    local bytes = ring.size * RING_SLOT_BYTES
    local raw = redis.call('GETRANGE', ring.key, 0, bytes - 1)
    raw = raw .. string.rep('\0', bytes - #raw)
    local split = ring.head * RING_SLOT_BYTES
    kept = string.sub(raw, split + 1) .. string.sub(raw, 1, split)
  end
  redis.call('SET', ring.key, kept .. struct.pack(RING_SLOT, now), 'PX', RING_TTL_MS)
  return capacity .. ':' .. ((ring.size + 1) % capacity)
end

--[[
  Records an admission at `now` in `ring` (ringDecide's, under `rpm`); `sweeps` and `name`: where the
  last refresh of its expiry is kept (see sweepDue). Returns the ring's new state text.
]]
local function ringCommit(ring, rpm, now, sweeps, name)
  local size, head = ring.size, ring.head
  -- Past ringDecide, a ring of `rpm` slots or more has its oldest admission 60.25 s old: only a
  -- smaller one may be full of the last 60.25 s, and grow.
  if size < rpm and (size == 0 or ringSlot(ring.key, head) + RING_WINDOW_MS > now) then
    return ringGrow(ring, math.min(rpm, math.max(1, 2 * size)), now)
  end
  redis.call('SETRANGE', ring.key, head * RING_SLOT_BYTES, struct.pack(RING_SLOT, now))
  if sweepDue(sweeps, name, now) then redis.call('PEXPIRE', ring.key, RING_TTL_MS) end
  return size .. ':' .. ((head + 1) % size)
end

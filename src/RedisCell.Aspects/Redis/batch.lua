-- batch.lua: independent single-rule decisions that arrived together, sent as one script. Each is
-- decided and written in order, exactly as if each had been its own call at the same instant: a
-- key that appears twice sees the first decision's write. A decision that fails (a key holding
-- something else) fails alone, with its error message in the reply; the others still happen.
-- Appended by RedisCell.Aspects to the bodies of cl_throttle.lua and fixed_window.lua (without
-- their @entry sections); not usable on its own.
--
--   KEYS: one key per decision, in one cluster slot; a key may repeat.
--   ARGV[1]: now_us for GCRA decisions, empty for the server clock, or 'm' for the server clock
--            with GCRA decided by redis-cell's CL.THROTTLE (the module is loaded on the server).
--   Then five arguments per decision, as multi.lua:
--     'g', max_burst, count, period, quantity   GCRA (CL.THROTTLE)
--     'w', limit, window_ms, '', cost           fixed window
--
-- Reply: one flat array, three values per decision, in order:
--   {state, retry_after, reset_after}
-- state is the remaining count when allowed and -(remaining + 1) when limited (the limit is the
-- caller's own policy). GCRA durations are nanoseconds, fixed-window ones milliseconds, as
-- integers, or as decimal strings for a GCRA duration beyond what a double holds exactly. A decision
-- that fails has its error message, a string, as its state (docs/design/batching.md).
--
-- With 'm', five values per decision. A GCRA decision the module made:
--   {state, tat, now_us, retry_after_s, reset_after_s}
-- tat is the key's TAT after the call (decimal nanoseconds, '' when there is none), now_us the
-- server's TIME read just before the call, and the two seconds are the module's own reply: the
-- client derives the exact durations from them. Every other decision is decided here and is
-- {state, retry_after, reset_after, why, 0}: why is 'w' for a fixed window, 'f' for GCRA beyond the
-- module's 63-bit reach, and 's' for GCRA once the module is gone (unloaded since the client looked).

-- Nanoseconds {s, n} (0 <= n < 1e9) exactly: an integer while a double holds it, else its decimal digits.
local function exact(s, n)
  if s < 9000000 and s > -9000000 then return s * E9 + n end
  if s >= 0 then return string.format('%d%09d', s, n) end
  if n == 0 then return string.format('-%d000000000', -s) end
  return string.format('-%d%09d', -s - 1, E9 - n)
end

local function state(d)
  if d.limited then return -d.remaining - 1 end
  return d.remaining
end

-- The decisions of a batch mostly share a policy and a quantity: each is parsed again only when
-- its text differs from the previous decision's (Lua strings are interned, so comparing is cheap).
local burst_text, count_text, period_text, t, limit = false, false, false
local quantity_text, quantity, quantity_err = false

-- The module is shown only keys that hold GCRA state or nothing (on anything else it takes the
-- whole server down), and only decisions whose new TAT stays well inside 63 bits (beyond, its
-- arithmetic wraps). Returns false and why not when this script must decide instead: 'f' for a
-- decision beyond the module's reach, 's' when the module is gone (unloaded since the client looked).
local function module_decide(reply, r, key, a)
  local stored, err = gcra_stored(key)
  if stored == nil then
    reply[r + 1], reply[r + 2], reply[r + 3], reply[r + 4], reply[r + 5] = err, 0, 0, 0, 0
    return true
  end
  local time = redis.call('TIME')
  local now = time[1] * E9 + time[2] * 1000
  local base = stored and tonumber(stored) or now
  if base < now then base = now end
  if base + ARGV[a + 3] * E9 / ARGV[a + 2] * ARGV[a + 4] > 9.2e18 then return false, 'f' end
  local c = redis.pcall('CL.THROTTLE', key, ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4])
  if c.err then
    if string.find(string.lower(c.err), 'unknown', 1, true) then return false, 's' end
    reply[r + 1], reply[r + 2], reply[r + 3], reply[r + 4], reply[r + 5] = c.err, 0, 0, 0, 0
    return true
  end
  -- A read (quantity 0) of a missing key leaves nothing that lasts: the module writes it with a
  -- TTL of 0 ms, and its reset_after is 0.
  local tat = stored or ''
  if c[1] == 0 and (stored or tonumber(ARGV[a + 4]) > 0) then tat = redis.call('GET', key) or '' end
  reply[r + 1] = c[1] == 1 and -c[3] - 1 or c[3]
  reply[r + 2], reply[r + 3], reply[r + 4], reply[r + 5] = tat, time[1] * 1000000 + time[2], c[4], c[5]
  return true
end

local module = ARGV[1] == 'm'
local stride = module and 5 or 3
local now_s, now_n
local reply = {}
for i = 1, #KEYS do
  local a = (i - 1) * 5 + 2
  local r = (i - 1) * stride
  local kind, d, by_module, why = ARGV[a], nil, false, 'w'
  if kind == 'g' and module then by_module, why = module_decide(reply, r, KEYS[i], a) end
  if by_module then
    -- decided by the module
  elseif kind == 'g' then
    if now_s == nil then
      now_s, now_n = clock(module and '' or ARGV[1])
      if now_s == nil then return redis.error_reply(now_n) end
    end
    if ARGV[a + 1] ~= burst_text or ARGV[a + 2] ~= count_text or ARGV[a + 3] ~= period_text then
      burst_text, count_text, period_text = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
      t, limit = gcra_policy(burst_text, count_text, period_text)
    end
    if ARGV[a + 4] ~= quantity_text then
      quantity_text = ARGV[a + 4]
      quantity, quantity_err = gcra_quantity(quantity_text)
    end
    if t == nil then
      d = limit
    elseif quantity == nil then
      d = quantity_err
    else
      d = gcra_decide_parsed(KEYS[i], t, limit, quantity, now_s, now_n)
    end
    if type(d) == 'string' then
      reply[r + 1], reply[r + 2], reply[r + 3] = d, 0, 0
    else
      gcra_commit(d)
      reply[r + 1], reply[r + 2], reply[r + 3] = state(d), exact(d.retry_s, d.retry_n), exact(d.reset_s, d.reset_n)
    end
  elseif kind == 'w' then
    d = window_decide(KEYS[i], ARGV[a + 1], ARGV[a + 2], ARGV[a + 4])
    if type(d) == 'string' then
      reply[r + 1], reply[r + 2], reply[r + 3] = d, 0, 0
    else
      window_commit(d, not d.limited)
      reply[r + 1], reply[r + 2], reply[r + 3] = state(d), d.retry, d.reset
    end
  else
    return redis.error_reply('ERR unknown rule kind "' .. tostring(kind) .. '"')
  end
  if module and reply[r + 4] == nil then reply[r + 4], reply[r + 5] = why, 0 end
end
return reply

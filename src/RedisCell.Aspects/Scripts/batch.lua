-- batch.lua: independent single-rule decisions that arrived together, sent as one script. Each is
-- decided and written in order, exactly as if each had been its own call at the same instant: a
-- key that appears twice sees the first decision's write. A decision that fails (a key holding
-- something else) fails alone, with its error message in the reply; the others still happen.
-- Appended by RedisCell.Aspects to the bodies of cl_throttle.lua and fixed_window.lua (without
-- their @entry sections); not usable on its own.
--
--   KEYS: one key per decision, in one cluster slot; a key may repeat.
--   ARGV[1]: now_us for GCRA decisions, or empty for the server clock.
--   Then five arguments per decision, as multi.lua:
--     'g', max_burst, count, period, quantity   GCRA (CL.THROTTLE)
--     'w', limit, window_ms, '', cost           fixed window
--
-- Reply: one flat array, three values per decision, in order:
--   {state, retry_after, reset_after}
-- state is the remaining count when allowed and -(remaining + 1) when limited (the limit is the
-- caller's own policy). GCRA durations are nanoseconds, fixed-window ones milliseconds, as
-- integers, or as decimal strings for a GCRA duration beyond what a double holds exactly. A decision
-- that fails has its error message, a string, as its state. A flat reply of integers is what costs
-- least to build on the server and to read on the client.

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

local now_s, now_n
local reply = {}
for i = 1, #KEYS do
  local a = (i - 1) * 5 + 2
  local r = (i - 1) * 3
  local kind, d = ARGV[a], nil
  if kind == 'g' then
    if now_s == nil then
      now_s, now_n = clock(ARGV[1])
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
end
return reply

-- multi.lua: several rules on one call, decided together: every rule is decided first, and only
-- when none is limited are they all written. A call blocked by one rule consumes nothing from the
-- others, in one round trip. Appended by RedisCell.Aspects to the bodies of cl_throttle.lua and
-- fixed_window.lua (without their @entry sections); not usable on its own.
--
--   KEYS: one key per rule, in one cluster slot.
--   ARGV[1]: now_us for GCRA rules, or empty for the server clock.
--   Then five arguments per rule:
--     'g', max_burst, count, period, quantity   GCRA (CL.THROTTLE)
--     'w', limit, window_ms, '', cost           fixed window
--
-- Reply: one array per rule, as the rule's own script replies (GCRA in precise form).

local now_s, now_n
local decisions, any_limited = {}, false
for i = 1, #KEYS do
  local a = (i - 1) * 5 + 2
  local kind, d = ARGV[a], nil
  if kind == 'g' then
    if now_s == nil then
      now_s, now_n = clock(ARGV[1])
      if now_s == nil then return redis.error_reply(now_n) end
    end
    d = gcra_decide(KEYS[i], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], now_s, now_n)
  elseif kind == 'w' then
    d = window_decide(KEYS[i], ARGV[a + 1], ARGV[a + 2], ARGV[a + 4])
  else
    return redis.error_reply('ERR unknown rule kind "' .. tostring(kind) .. '"')
  end
  if type(d) == 'string' then return redis.error_reply(d) end
  d.kind = kind
  decisions[i] = d
  any_limited = any_limited or d.limited
end

local reply = {}
for i = 1, #KEYS do
  local d = decisions[i]
  if d.kind == 'g' then
    if not any_limited then gcra_commit(d) end
    reply[i] = gcra_reply(d, true)
  else
    window_commit(d, not any_limited)
    reply[i] = window_reply(d)
  end
end
return reply

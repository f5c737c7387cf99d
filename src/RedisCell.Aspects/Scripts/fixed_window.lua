-- fixed_window.lua: at most <limit> units per window, counted in one key whose TTL is the window.
--
--   EVALSHA <sha> 1 <key> <limit> <window_ms> [<cost>]
--
-- Reply: {limited, limit, remaining, retry_after_ms, reset_after_ms}; retry_after_ms is -1 when
-- the call is allowed, or when <cost> exceeds the whole limit and can never pass.
--
-- The window starts at the first call and is the key's own TTL, so it runs on the server clock
-- and every counter expires. A counter found without a TTL (left by a non-atomic INCR + EXPIRE)
-- is given one instead of blocking its key forever. A refused call consumes nothing.

-- True when a key that GET reported missing holds a value of another type (see cl_throttle.lua).
local function holds_other_type(key)
  local t = redis.call('TYPE', key)
  if type(t) == 'table' then t = t.ok end
  return t ~= 'none'
end

local function window_decide(key, limit_text, window_text, cost_text)
  if not string.find(limit_text or '', '^%d+$') or #limit_text > 15 or tonumber(limit_text) < 1 then
    return 'ERR limit must be an integer from 1 to 999999999999999'
  end
  if not string.find(window_text or '', '^%d+$') or #window_text > 12 or tonumber(window_text) < 1 then
    return 'ERR window_ms must be an integer from 1 to 999999999999'
  end
  local limit, window, cost = tonumber(limit_text), tonumber(window_text), 1
  if cost_text ~= nil and cost_text ~= '' then
    if not string.find(cost_text, '^%d+$') then return 'ERR cost must be a non-negative integer' end
    -- Anything longer than the limit's 15 digits is beyond the limit.
    cost = #cost_text > 15 and limit + 1 or tonumber(cost_text)
  end

  local stored = redis.pcall('GET', key)
  if type(stored) == 'table' or (not stored and holds_other_type(key)) then
    return 'WRONGTYPE key ' .. key .. ' holds a value that is not a string, so it is not a window counter; it was left untouched'
  end
  local used, pttl = 0, -2
  if stored then
    if not string.find(stored, '^%d+$') or #stored > 15 then
      return 'ERR key ' .. key .. ' holds "' .. string.sub(stored, 1, 40) .. '", not a window counter; it was left untouched'
    end
    used = tonumber(stored)
    pttl = redis.call('PTTL', key)
  end

  local d = { key = key, limit = limit, window = window, cost = cost, stored = stored, pttl = pttl }
  d.limited = used + cost > limit
  if d.limited then
    d.remaining = limit > used and limit - used or 0
    d.reset = pttl >= 0 and pttl or (stored and window or 0)
    d.retry = cost > limit and -1 or d.reset
  else
    d.remaining = limit - used - cost
    d.retry = -1
    if cost > 0 and (not stored or pttl < 0) then d.reset = window
    else d.reset = pttl >= 0 and pttl or 0 end
  end
  return d
end

-- Writes an allowed decision; repairs a counter that has no TTL even when the call is refused.
local function window_commit(d, allowed)
  if allowed and d.cost > 0 then
    if d.stored then
      redis.call('INCRBY', d.key, string.format('%d', d.cost))
    else
      redis.call('SET', d.key, string.format('%d', d.cost), 'PX', string.format('%d', d.window))
      return
    end
  end
  if d.stored and d.pttl == -1 then
    redis.call('PEXPIRE', d.key, string.format('%d', d.window))
  end
end

local function window_reply(d)
  return { d.limited and 1 or 0, d.limit, d.remaining, d.retry, d.reset }
end

-- @entry: the lines below run only when this file is used on its own.
local d = window_decide(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if type(d) == 'string' then return redis.error_reply(d) end
window_commit(d, not d.limited)
return window_reply(d)

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
-- Numbers handed to redis.call are integers: Garnet (Lua 5.4) rejects "1000.0".

local WINDOW_MAX_COUNT = 999999999999999 -- 15 digits: exact as a double with room to add
local TYPE_PROBE = _VERSION ~= 'Lua 5.1' -- Garnet: GET does not see lists, sets or hashes

local function window_decide(key, limit_text, window_text, cost_text)
  local limit, window, cost = tonumber(limit_text), tonumber(window_text), 1
  if limit == nil or limit < 1 or limit > WINDOW_MAX_COUNT or limit % 1 ~= 0 then
    return 'ERR limit must be an integer from 1 to 999999999999999'
  end
  if window == nil or window < 1 or window > 999999999999 or window % 1 ~= 0 then
    return 'ERR window_ms must be an integer from 1 to 999999999999'
  end
  if cost_text ~= nil and cost_text ~= '' then
    cost = tonumber(cost_text)
    if cost == nil or cost < 0 or cost % 1 ~= 0 then return 'ERR cost must be a non-negative integer' end
    -- Anything beyond the limit behaves the same; keep it small enough to add exactly.
    if cost > limit then cost = limit + 1 end
  end
  -- Integers on Lua 5.4 too, whatever form the arguments came in.
  limit, window, cost = math.floor(limit), math.floor(window), math.floor(cost)

  -- Redis answers GET on a list with WRONGTYPE, but Garnet keeps such values in a separate store
  -- where GET sees nothing: there (Lua 5.4) a missing key is asked its TYPE.
  local stored = redis.pcall('GET', key)
  local other_type = type(stored) == 'table'
  if not stored and TYPE_PROBE then
    local kind = redis.call('TYPE', key)
    other_type = (kind.ok or kind) ~= 'none'
  end
  if other_type then
    return 'WRONGTYPE key ' .. key .. ' holds a value that is not a string, so it is not a window counter; it was left untouched'
  end
  local used, pttl = 0, -2
  if stored then
    if #stored > 15 or not string.find(stored, '^%d+$') then
      return 'ERR key ' .. key .. ' holds "' .. string.sub(stored, 1, 40) .. '", not a window counter; it was left untouched'
    end
    used = tonumber(stored)
    pttl = redis.call('PTTL', key)
  end

  local d = { key = key, limit = limit, window = window, cost = cost, stored = stored, pttl = pttl,
              limited = used + cost > limit, remaining = 0, retry = -1, reset = 0 }
  if d.limited then
    if limit > used then d.remaining = limit - used end
    if pttl >= 0 then d.reset = pttl elseif stored then d.reset = window end
    if cost <= limit then d.retry = d.reset end
  else
    d.remaining = limit - used - cost
    if cost > 0 and (not stored or pttl < 0) then d.reset = window elseif pttl >= 0 then d.reset = pttl end
  end
  return d
end

-- Writes an allowed decision; repairs a counter that has no TTL even when the call is refused.
local function window_commit(d, allowed)
  if allowed and d.cost > 0 then
    if not d.stored then
      redis.call('SET', d.key, d.cost, 'PX', d.window)
      return
    end
    redis.call('INCRBY', d.key, d.cost)
  end
  if d.stored and d.pttl == -1 then
    redis.call('PEXPIRE', d.key, d.window)
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
